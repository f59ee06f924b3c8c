"""Adapters to outside services, each with an offline default."""
