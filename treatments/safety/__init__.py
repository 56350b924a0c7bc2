"""Safety checks on medications: allergies and classes, the same substance twice, daily doses above the usual
adult maximum, and interactions (a pluggable checker: settings.SAFETY_INTERACTION_CHECKER).

This module is the public API; the package's other modules are private to it.
"""

from .base import Candidate, Code, SafetyWarning
from .checks import check, check_for_patient, warnings_of

__all__ = ["Candidate", "Code", "SafetyWarning", "check", "check_for_patient", "warnings_of"]
