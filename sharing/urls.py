from django.urls import path

from sharing import caregiver_views, public_views, views

app_name = "sharing"

urlpatterns = [
    # The patient's sharing pages
    path("sharing/care-team/", views.care_team, name="care_team"),
    path("sharing/care-team/add/", views.grant_new, name="grant_new"),
    path("sharing/professionals/", views.professional_search, name="professional_search"),
    path("sharing/grants/<uuid:grant_id>/edit/", views.grant_edit, name="grant_edit"),
    path("sharing/grants/<uuid:grant_id>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("sharing/grants/<uuid:grant_id>/restore/", views.grant_restore, name="grant_restore"),
    path("sharing/links/", views.links, name="links"),
    path("sharing/links/<uuid:link_id>/revoke/", views.link_revoke, name="link_revoke"),
    path("sharing/links/<uuid:link_id>/restore/", views.link_restore, name="link_restore"),
    path("sharing/emergency/", views.emergency_edit, name="emergency"),
    path("sharing/emergency/heart-code.<str:file_format>", views.heartcode_download, name="heartcode_download"),
    path("sharing/emergency/regenerate/", views.heartcode_regenerate, name="heartcode_regenerate"),
    path("sharing/settings/", views.sharing_settings, name="settings"),
    path("sharing/proposals/<uuid:proposal_id>/answer/", views.proposal_answer, name="proposal_answer"),
    path("patients/<uuid:patient_id>/care-team/propose/", views.propose, name="propose"),
    path("sharing/requests/", views.requests_list, name="requests"),
    path("sharing/requests/<uuid:request_id>/", views.request_answer, name="request"),
    # Caregivers: the patient's page, the caregiver's answer, the invitation opened from a message
    path("caregivers/", caregiver_views.caregivers, name="caregivers"),
    path("caregivers/<uuid:caregiver_id>/edit/", caregiver_views.caregiver_edit, name="caregiver_edit"),
    path("caregivers/<uuid:caregiver_id>/revoke/", caregiver_views.caregiver_revoke, name="caregiver_revoke"),
    path("caregivers/helping/<uuid:caregiver_id>/", caregiver_views.caregiver_helping, name="caregiver_helping"),
    path("caregivers/invitation/<str:token>/", caregiver_views.caregiver_invitation, name="caregiver_invitation"),
    # The professional's patients
    path("patients/", views.my_patients, name="my_patients"),
    # Share links, opened by anyone
    path("s/", public_views.link_start, name="link_start"),
    path("s/records/", public_views.link_records, name="link_records"),
    path("s/records/<uuid:record_id>/", public_views.link_record, name="link_record"),
    path("s/files/<uuid:file_id>/", public_views.link_file, {"disposition": "download"}, name="link_file_download"),
    path("s/files/<uuid:file_id>/view/", public_views.link_file, {"disposition": "view"}, name="link_file_view"),
    path("s/<str:token>/", public_views.link_open, name="link_open"),
    # The emergency page behind a Heart-Code, and what can be done from it
    path("e/<str:token>/", public_views.emergency_page, name="emergency_page"),
    path("e/<str:token>/request/", public_views.emergency_request, name="emergency_request"),
    path("e/<str:token>/break-glass/", public_views.emergency_break_glass, name="break_glass"),
    path("r/<str:token>/", public_views.request_status, name="request_status"),
    path("scan/", public_views.scan, name="scan"),
]

# A link holder's part in a shared record's discussion. The names are comments' ("comments:link_thread",
# "comments:link_create"), like the members' discussion URLs: relyfe/urls.py includes these in that namespace.
link_comment_urlpatterns = [
    path("s/records/<uuid:record_id>/comments/", public_views.link_thread, name="link_thread"),
    path("s/records/<uuid:record_id>/comments/new/", public_views.link_comment_create, name="link_create"),
]
