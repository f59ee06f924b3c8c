"""Supply chain: SECURITY-CHECKLIST 4.08 and 8.08 as assertions on the lockfile, the declared
ranges and what is installed, so CI fails on a known-vulnerable pin without network access.

`make audit` runs pip-audit against the advisory databases where they can be reached (see
docs/security.md: this workplace's CI cannot reach them, so these assertions are what CI runs).
"""

from __future__ import annotations

import io
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from PIL import Image

from mosaic.core.errors import UnsupportedMediaType
from mosaic.providers.storage.images import check_image

ROOT = Path(__file__).resolve().parents[2]


def locked() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, _, pinned = line.partition("==")
            pins[canonicalize_name(name)] = Version(pinned)
    return pins


def declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entries = [
        *project["dependencies"],
        *(d for extra in project["optional-dependencies"].values() for d in extra),
    ]
    return {canonicalize_name(Requirement(entry).name): Requirement(entry) for entry in entries}


# (package, the first fixed version, the last affected one, why): the checklist's rows 4.08, 8.08.
FLOORS = [
    ("starlette", "0.40.0", "0.39.2", "CVE-2024-47874: multipart part size DoS"),
    ("pillow", "12.2.0", "12.1.1", "GHSA-whj4-6x5x-4v2j: FITS GZIP bomb, 10.3.0-12.1.1"),
    ("fastapi-users", "15.0.2", "15.0.1", "checklist 8.08 floor, if ever used"),
    ("fastapi-sso", "0.19.0", "0.18.0", "checklist 8.08 floor, if ever used"),
]


def test_the_lockfile_pins_every_package_exactly_and_is_installed():
    pins = locked()
    assert len(pins) > 50
    for name in ("starlette", "pillow", "fastapi", "pyjwt", "cryptography"):
        assert Version(version(name)) == pins[name], name  # the suite runs what the lock says


@pytest.mark.parametrize(("package", "fixed", "affected", "advisory"), FLOORS)
def test_no_pin_or_declared_range_admits_a_known_vulnerable_version(
    package: str, fixed: str, affected: str, advisory: str
):
    pin = locked().get(package)
    if pin is not None:
        assert pin >= Version(fixed), advisory
    requirement = declared().get(package)
    if requirement is not None:  # a fresh install outside the lock cannot pick it either
        assert not requirement.specifier.contains(affected), (advisory, str(requirement.specifier))


def test_no_abandoned_token_or_hashing_library():
    pins, wanted = locked(), declared()
    # python-jose: unmaintained, with open advisories (checklist 8.08); PyJWT is the library here.
    assert "python-jose" not in pins and "python-jose" not in wanted
    # passlib is unmaintained and breaks with bcrypt >= 5 (it reads bcrypt.__about__).
    if "passlib" in pins:
        assert pins.get("bcrypt", Version("0")) < Version("5"), "passlib with bcrypt >= 5"


def test_pillow_opens_only_the_allowed_formats():
    """The FITS bomb needs Pillow to try its FITS decoder: uploads open with `formats=` set."""
    fits = b"SIMPLE  =                    T" + b" " * 50 + b"BITPIX  =                    8".ljust(80)
    fits += b"NAXIS   =                    0".ljust(80) + b"END".ljust(80)
    fits = fits.ljust(2880, b" ")
    with pytest.raises(UnsupportedMediaType):
        check_image(fits, allowed_types=["image/png", "image/jpeg"], max_pixels=10_000, max_frames=1)
    png = io.BytesIO()
    Image.new("RGB", (2, 2)).save(png, "PNG")
    assert check_image(png.getvalue(), allowed_types=["image/png"], max_pixels=10_000, max_frames=1)
