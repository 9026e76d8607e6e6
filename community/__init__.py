"""A self-hosted community forum for business customers."""
