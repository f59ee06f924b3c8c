"""The booking domain's permissions and the studio owner's default grants."""

from mosaic.core.domain import PermissionSpec

STUDIO_OWNER = "studio_owner"

PERMISSIONS = [
    PermissionSpec("companies", "create", "Create a company (studio owners)"),
    PermissionSpec("companies", "moderate", "List every company and suspend or restore one"),
    PermissionSpec("studios", "moderate", "List every studio and unpublish one"),
    PermissionSpec("catalogues", "write", "Manage cities, equipment types and badges"),
    PermissionSpec("payouts", "read", "List every company's payouts"),
    PermissionSpec("payouts", "write", "Run payouts, mark them paid, set a company's Stripe account"),
]

# What a self-registered studio owner may do beyond any signed-in user.
STUDIO_OWNER_PERMISSIONS = ["companies:create"]
