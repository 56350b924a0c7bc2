"""Writes of sharing: grants, share links, the emergency profile and its Heart-Code, access requests,
break-glass, the care team and caregivers, one module each. Callers use `from sharing import services` and
`services.<function>`: this package lists them all.

Each checks who acts, validates, writes the access event and notifies the people concerned. Messages never
carry health details: they say who did what, never what a record contains.
"""

from sharing.services.access_requests import (
    access_request_approve,
    access_request_create,
    access_request_link_url,
    access_request_refuse,
    access_request_status_path,
    access_request_status_url,
)
from sharing.services.break_glass import break_glass_open
from sharing.services.care_team import (
    care_team_proposal_answer,
    care_team_propose,
    sharing_settings_update,
)
from sharing.services.caregivers import (
    Rights,
    caregiver_accept,
    caregiver_add,
    caregiver_invitation_accept,
    caregiver_invitation_decline,
    caregiver_invitation_of,
    caregiver_revoke,
    caregiver_rights_change,
    caregiver_stop,
)
from sharing.services.emergency import (
    emergency_profile_ensure,
    emergency_profile_regenerate_code,
    emergency_profile_update,
    emergency_profile_viewed,
    emergency_token_of,
)
from sharing.services.grants import grant_give, grant_restore, grant_revoke, grant_to_account_creator
from sharing.services.share_links import (
    share_link_check_passcode,
    share_link_create,
    share_link_open,
    share_link_passcode_locked,
    share_link_restore,
    share_link_revoke,
)

__all__ = [
    "Rights",
    # Sharing pages build their public addresses with it; it lives in relyfe.web.
    "access_request_approve",
    "access_request_create",
    "access_request_link_url",
    "access_request_refuse",
    "access_request_status_path",
    "access_request_status_url",
    "break_glass_open",
    "care_team_proposal_answer",
    "care_team_propose",
    "caregiver_accept",
    "caregiver_add",
    "caregiver_invitation_accept",
    "caregiver_invitation_decline",
    "caregiver_invitation_of",
    "caregiver_revoke",
    "caregiver_rights_change",
    "caregiver_stop",
    "emergency_profile_ensure",
    "emergency_profile_regenerate_code",
    "emergency_profile_update",
    "emergency_profile_viewed",
    "emergency_token_of",
    "grant_give",
    "grant_restore",
    "grant_revoke",
    "grant_to_account_creator",
    "share_link_check_passcode",
    "share_link_create",
    "share_link_open",
    "share_link_passcode_locked",
    "share_link_restore",
    "share_link_revoke",
    "sharing_settings_update",
]
