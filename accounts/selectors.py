from accounts.models import PatientProfile, ProfessionalProfile, User


def profile_of(user: User) -> PatientProfile | ProfessionalProfile | None:
    """The role-specific profile of a user; staff have none."""
    if user.is_patient:
        return PatientProfile.objects.filter(user=user).first()
    if user.is_professional:
        return ProfessionalProfile.objects.filter(user=user).first()
    return None
