"""Who is calling, and what they may do: people's tokens (OIDC/JWT, verified with their
issuer's JWKS, or Tousu's built-in local issuer), the operator token, roles × estates, and
the policy that says which roles hold which permission."""

from tousu_shared.identity.policy import Decision, Policy, shipped_policy
from tousu_shared.identity.principal import OPERATOR, Grant, Principal, parse_grants

__all__ = ["OPERATOR", "Decision", "Grant", "Policy", "Principal", "parse_grants", "shipped_policy"]
