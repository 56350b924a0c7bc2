"""Every route of the project, walked from the URL resolver, against the whole cast.

Each route has a decision below: who may reach it. A route without a decision fails the test, so a new
page or endpoint cannot ship without someone deciding who sees it. Beside bob, whose grant is the whole
file, two professionals hold scoped grants on alice's file, so that a page ignoring the scope shows here:
kate sees the imaging and photo records, rob the one prescription the treatment comes from. Two members help
alice as caregivers: carol sees her treatments and answers her doses (no record), gwen manages her whole file
(everything alice does on it but sharing it). Each request
runs in a savepoint that is rolled back, so that one person's action (a revocation, an archive) does not
change the next check.
"""

import uuid

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from access.models import Caregiver, Permission, Scope
from accounts import services as accounts
from accounts import tokens as api_tokens
from accounts.models import Passkey, UserSession
from comments import services as comments
from faces import services as faces
from faces.models import FaceSearch, FaceSearchCandidate
from health_records.tasks import make_record_file_thumbnail
from notifications.models import Notification
from portability.export_models import ExportJob, ExportStatus
from portability.import_models import ImportJob
from printing import services as printing
from sharing import services as sharing
from sharing import tokens
from sharing.models import AccessRequest, CareTeamProposal
from tests.factories import (
    HealthRecordFactory,
    LabReadingFactory,
    MedicationFactory,
    ObservationFactory,
    PatientFactory,
    ProfessionalFactory,
    RecordFileFactory,
    StaffFactory,
    TreatmentFactory,
)
from tests.files import pdf_bytes
from treatments.models import PrescriptionReading, ReminderDispatch, RenewalRequest

CAST = [
    "alice",
    "bob",
    "kate",
    "rob",
    "charlie",
    "dave",
    "carol",
    "gwen",
    "staff",
    "anonymous",
    "link_holder",
    "emergency_visitor",
]
ALL = set(CAST)
MEMBERS = {"alice", "bob", "kate", "rob", "charlie", "dave", "carol", "gwen", "staff"}
PROFESSIONALS = {"bob", "kate", "rob", "charlie"}
# Carol and gwen are patients with their own file, and alice's caregivers: carol sees her treatments and
# answers her doses, gwen manages her whole file.
PATIENTS = {"alice", "dave", "carol", "gwen"}
# Alice's whole file: hers, bob's (his grant) and gwen's (she manages it).
WHOLE_FILE = {"alice", "bob", "gwen"}
# Lists of alice's records, narrowed to each scope (rob's photo gallery is empty, not a 404). Carol sees no
# record: a list of them is a 404 for her.
ALICE_AND_HER_TEAM = {"alice", "bob", "kate", "rob", "gwen"}
# Alice's photos: kate's scope has them, rob's has not.
WITH_PHOTOS = {"alice", "bob", "kate", "gwen"}
# The treatment, its prescription and its reading: rob's scope has them, kate's has not.
WITH_TREATMENT = {"alice", "bob", "rob", "gwen"}
# Seeing the treatment (not its prescription nor its reading): carol too.
SEES_TREATMENT = WITH_TREATMENT | {"carol"}
# Changing what alice wrote: alice, and gwen who manages her file.
MANAGES_ALICES_FILE = {"alice", "gwen"}
ONLY_ALICE = {"alice"}
NOBODY = set()

# name: (method, kwargs from the world, who may reach it[, the form sent, its values taken from the world])
DECISIONS = {
    "home": ("get", {}, ALL),
    "healthz": ("get", {}, ALL),
    # Prometheus metrics are off by default (tests/relyfe/test_metrics.py turns them on with a token).
    "metrics": ("get", {}, NOBODY),
    "set_language": ("post", {}, ALL),
    "accounts:login": ("get", {}, ALL),
    "accounts:logout": ("post", {}, ALL),
    # The lock screen's passkey unlock is for the person a browser remembers (accounts.quick_unlock): no
    # browser of this world remembers anyone, so it is refused to all (tests/accounts/test_quick_unlock.py).
    # Its "Not you?" only forgets, and sends anyone to the login page.
    "accounts:unlock_begin": ("post", {}, NOBODY),
    "accounts:unlock_complete": ("post", {}, NOBODY),
    "accounts:unlock_forget": ("post", {}, NOBODY),
    # Sign-in with OpenID Connect (Pro Santé Connect) is off by default: its pages are 404 for everyone
    # (tests/accounts/test_oidc.py signs in through a provider with it on).
    "accounts:oidc_start": ("get", {}, NOBODY),
    "accounts:oidc_callback": ("get", {}, NOBODY),
    "accounts:oidc_refused": ("get", {}, NOBODY),
    "accounts:sign_up": ("get", {}, ALL),
    "accounts:sign_up_patient": ("get", {}, ALL),
    "accounts:sign_up_professional": ("get", {}, ALL),
    "accounts:sign_up_sent": ("get", {}, ALL),
    # A link that confirms no sign-up opens for nobody.
    "accounts:sign_up_confirm": ("get", {"token": "made-up"}, NOBODY),
    "accounts:profile": ("get", {}, MEMBERS),
    # Each member signs out their own devices; another's device is not found.
    "accounts:device_revoke": ("post", {"token_id": "alice_api_token"}, ONLY_ALICE),
    "accounts:devices_revoke_all": ("post", {}, MEMBERS),
    "accounts:sessions": ("get", {}, MEMBERS),
    # Each member signs out their own browsers; another's session is not found.
    "accounts:session_end": ("post", {"session_id": "alice_browser_session"}, ONLY_ALICE),
    "accounts:sessions_end_others": ("post", {}, MEMBERS),
    "accounts:directory": ("get", {}, MEMBERS),
    # A patient deletes their own account (professionals: not here). The pending page and the cancellation are
    # for an account whose deletion waits: nobody in this world.
    "erasure:delete": ("get", {}, PATIENTS),
    "erasure:pending": ("get", {}, NOBODY),
    "erasure:cancel": ("post", {}, NOBODY),
    "accounts:password_change": ("get", {}, MEMBERS),
    "accounts:password_reset": ("get", {}, ALL),
    "accounts:password_reset_done": ("get", {}, ALL),
    "accounts:password_reset_confirm": ("get", {"uidb64": "MQ", "token": "set-password"}, ALL),
    "accounts:password_reset_complete": ("get", {}, ALL),
    # Anyone who forgot their password; without a number typed on the reset page it sends back there.
    "accounts:password_reset_phone": ("get", {}, ALL),
    # A member confirms their own phone; one without a phone (or already confirmed) goes home.
    "accounts:passkeys": ("get", {}, MEMBERS),
    # Each member renames and removes their own passkeys; another's is not found.
    "accounts:passkey_rename": ("get", {"passkey_id": "alice_passkey"}, ONLY_ALICE),
    "accounts:passkey_remove": ("get", {"passkey_id": "alice_passkey"}, ONLY_ALICE),
    # Adding a passkey needs a signed-in member, who proved their second factor if they have one: alice has
    # a passkey and signed in with her password only.
    "otp_webauthn:credential-registration-begin": ("post", {}, MEMBERS - {"alice"}),
    "otp_webauthn:credential-registration-complete": ("post", {}, MEMBERS - {"alice"}),
    # Signing in with a passkey is for anyone (the passkey is the proof); the script's messages too.
    "otp_webauthn:credential-authentication-begin": ("post", {}, ALL),
    "otp_webauthn:credential-authentication-complete": ("post", {}, ALL),
    "otp_webauthn:js-i18n-catalog": ("get", {}, ALL),
    "accounts:phone_verify": ("get", {}, MEMBERS),
    "accounts:phone_verify_send": ("post", {}, MEMBERS),
    # The second step of signing in: a member already signed in is sent home, a visitor to the login page.
    "accounts:second_step": ("get", {}, MEMBERS),
    # Each member's own second factor.
    "accounts:security": ("get", {}, MEMBERS),
    "accounts:authenticator_enrol": ("get", {}, MEMBERS),
    # New recovery codes need a second factor: of this cast, only alice has one (a passkey).
    "accounts:recovery_codes": ("post", {}, ONLY_ALICE),
    # Text-message codes: patients with a confirmed phone only (nobody here has confirmed theirs).
    "accounts:sms_enable": ("post", {}, NOBODY),
    # Removing a factor one has not sends back to the Security page.
    "accounts:factor_remove": ("get", {"kind": "authenticator"}, MEMBERS),
    "accounts:second_factor_banner_dismiss": ("post", {}, MEMBERS),
    "health_records:mine": ("get", {}, PATIENTS),
    "health_records:timeline": ("get", {"patient_id": "alice"}, ALICE_AND_HER_TEAM),
    # Kate and rob may add records: what they add is theirs, so in their scope.
    "health_records:create": ("get", {"patient_id": "alice"}, ALICE_AND_HER_TEAM),
    "health_records:detail": ("get", {"record_id": "record"}, WHOLE_FILE),
    # Bob adds to alice's file but does not rewrite what she wrote; gwen manages it.
    "health_records:edit": ("get", {"record_id": "record"}, MANAGES_ALICES_FILE),
    "health_records:add_files": ("post", {"record_id": "record"}, MANAGES_ALICES_FILE),
    "health_records:archive": ("post", {"record_id": "record"}, MANAGES_ALICES_FILE),
    # An archived record is the owner's only (health_records.selectors), even for gwen who archives.
    "health_records:restore": ("post", {"record_id": "record"}, ONLY_ALICE),
    "health_records:file_download": ("get", {"file_id": "file"}, WHOLE_FILE),
    "health_records:file_inline": ("get", {"file_id": "file"}, WHOLE_FILE),
    "health_records:file_thumbnail": ("get", {"file_id": "file"}, WHOLE_FILE),
    # Making the preview again is for those who may change the record.
    "health_records:file_thumbnail_retry": ("post", {"file_id": "file"}, MANAGES_ALICES_FILE),
    # The photo with its faces blurred (or the picture saying it is being made), for whoever sees the photo;
    # its "blur faces" switch for those who may change the record.
    "health_records:file_masked": ("get", {"file_id": "file"}, WHOLE_FILE),
    # Drawing over a photo: whoever changes the record; the layer is read by whoever sees the photo.
    "health_records:annotate": ("get", {"file_id": "file"}, MANAGES_ALICES_FILE),
    "health_records:annotation_delete": ("post", {"file_id": "file"}, MANAGES_ALICES_FILE),
    "health_records:file_mask_toggle": ("post", {"file_id": "file"}, MANAGES_ALICES_FILE),
    "audit:access_log": ("get", {}, PATIENTS),
    "sharing:care_team": ("get", {}, PATIENTS),
    "sharing:grant_new": ("get", {}, PATIENTS),
    "sharing:professional_search": ("get", {}, MEMBERS),
    "sharing:grant_edit": ("get", {"grant_id": "grant"}, ONLY_ALICE),
    "sharing:grant_revoke": ("post", {"grant_id": "grant"}, ONLY_ALICE),
    "sharing:grant_restore": ("post", {"grant_id": "grant"}, ONLY_ALICE),
    "sharing:links": ("get", {}, PATIENTS),
    "sharing:link_revoke": ("post", {"link_id": "link"}, ONLY_ALICE),
    "sharing:link_restore": ("post", {"link_id": "link"}, ONLY_ALICE),
    "sharing:emergency": ("get", {}, PATIENTS),
    "sharing:heartcode_download": ("get", {"file_format": "svg"}, PATIENTS),
    "sharing:heartcode_regenerate": ("post", {}, PATIENTS),
    "sharing:requests": ("get", {}, PATIENTS),
    "sharing:settings": ("post", {}, PATIENTS),
    "sharing:proposal_answer": ("post", {"proposal_id": "proposal"}, ONLY_ALICE),
    # Only a professional of the patient's care team proposes a colleague, for at most what they see: rob's
    # chosen records cannot be proposed.
    "sharing:propose": ("get", {"patient_id": "alice"}, {"bob", "kate"}),
    "sharing:request": ("get", {"request_id": "access_request"}, ONLY_ALICE),
    "sharing:my_patients": ("get", {}, PROFESSIONALS),
    # Each patient's own caregivers; only alice's rows are hers to change or end.
    "sharing:caregivers": ("get", {}, PATIENTS),
    "sharing:caregiver_edit": ("get", {"caregiver_id": "carol_caregiver"}, ONLY_ALICE),
    "sharing:caregiver_revoke": ("post", {"caregiver_id": "carol_caregiver"}, ONLY_ALICE),
    # The page of the one asked or helping: theirs only (dave was asked, and has not answered).
    "sharing:caregiver_helping": ("get", {"caregiver_id": "carol_caregiver"}, {"carol"}),
    # Whoever holds the invitation's unguessable address sees who invites, and for what.
    "sharing:caregiver_invitation": ("get", {"token": "caregiver_invitation_token"}, ALL),
    # Only between opening a link and giving one's name; that step is tested in test_share_links.
    "sharing:link_start": ("get", {}, NOBODY),
    "sharing:link_records": ("get", {}, {"link_holder"}),
    "sharing:link_record": ("get", {"record_id": "record"}, {"link_holder"}),
    "sharing:link_file_download": ("get", {"file_id": "file"}, {"link_holder"}),
    "sharing:link_file_view": ("get", {"file_id": "file"}, {"link_holder"}),
    "sharing:link_open": ("get", {"token": "link_token"}, ALL),
    "sharing:emergency_page": ("get", {"token": "emergency_token"}, ALL),
    "sharing:emergency_request": ("get", {"token": "emergency_token"}, ALL),
    # Whoever holds the status page's unguessable address: the visitor who asked.
    "sharing:request_status": ("get", {"token": "request_status_token"}, ALL),
    # Alice did not turn break-glass on: nobody may use it (its own tests turn it on).
    "sharing:break_glass": ("post", {"token": "emergency_token"}, NOBODY),
    "sharing:scan": ("get", {}, MEMBERS),
    "service_worker": ("get", {}, ALL),
    # The installed app: its manifest and offline page hold nothing personal; its "Take a photo" shortcut
    # leads a patient to their own new record, a professional to their patients.
    "manifest": ("get", {}, ALL),
    "offline": ("get", {}, ALL),
    "take_photo": ("get", {}, PATIENTS | PROFESSIONALS),
    "notifications:service_worker": ("get", {}, ALL),
    "notifications:push_subscribe": ("post", {}, MEMBERS),
    "notifications:push_unsubscribe": ("post", {}, MEMBERS),
    "notifications:list": ("get", {}, MEMBERS),
    "notifications:open": ("post", {"notification_id": "notification"}, ONLY_ALICE),
    "notifications:delivery_retry": ("post", {"notification_id": "notification"}, ONLY_ALICE),
    "notifications:mark_all_read": ("post", {}, MEMBERS),
    "notifications:preferences": ("get", {}, MEMBERS),
    "treatments:mine": ("get", {}, PATIENTS),
    "treatments:today": ("get", {}, PATIENTS),
    "treatments:settings": ("get", {}, PATIENTS),
    "treatments:drug_suggestions": ("get", {}, MEMBERS),
    # The patient says whether they took a dose, carol whom she allowed to answer, and gwen who manages her file.
    "treatments:intake_answer": (
        "post",
        {},
        MANAGES_ALICES_FILE | {"carol"},
        {"medication": "medication", "local_date": "today", "moment": "morning", "answer": "taken"},
    ),
    # "People I help": every member has the page, which lists only the patients they are a caregiver of.
    "treatments:caring": ("get", {}, MEMBERS),
    "treatments:reminder_action": ("post", {"dispatch_id": "dispatch", "action": "taken"}, ONLY_ALICE),
    "treatments:patient": ("get", {"patient_id": "alice"}, SEES_TREATMENT),
    "labs:trends": ("get", {"patient_id": "alice"}, ALICE_AND_HER_TEAM),
    "labs:analyte": ("get", {"patient_id": "alice", "loinc": "4548-4"}, WHOLE_FILE),
    # A new treatment without a prescription is outside a scope of chosen records or kinds.
    "treatments:create": ("get", {"patient_id": "alice"}, WHOLE_FILE),
    "treatments:detail": ("get", {"treatment_id": "treatment"}, SEES_TREATMENT),
    "treatments:status": ("post", {"treatment_id": "treatment"}, WITH_TREATMENT, {"status": "paused"}),
    "treatments:medication_new": ("post", {"treatment_id": "treatment"}, WITH_TREATMENT),
    "treatments:medication_edit": ("get", {"medication_id": "medication"}, WITH_TREATMENT),
    "treatments:medication_stop": ("post", {"medication_id": "medication"}, WITH_TREATMENT),
    "api:patient-treatments": ("get", {"patient_id": "alice"}, SEES_TREATMENT),
    "api:patient-plan": ("get", {"patient_id": "alice"}, SEES_TREATMENT),
    "api:treatment": ("get", {"treatment_id": "treatment"}, SEES_TREATMENT),
    "api:treatment-medications": ("post", {"treatment_id": "treatment"}, WITH_TREATMENT),
    "api:medication": ("patch", {"medication_id": "medication"}, WITH_TREATMENT),
    "api:medication-stop": ("post", {"medication_id": "medication"}, WITH_TREATMENT),
    "api:doses": (
        "post",
        {},
        MANAGES_ALICES_FILE | {"carol"},
        {"medication": "medication", "local_date": "today", "moment": "morning", "answer": "taken"},
    ),
    "api:caring-for-patients": ("get", {}, MEMBERS),
    "api:reminder-settings": ("get", {}, PATIENTS),
    # A patient's calendar feed: made, named and stopped by the patient (a guardian through the API, in
    # tests/treatments/test_calendar_feed.py); the feed opens with its token only, and no made-up one.
    "treatments:calendar_feed": ("get", {"token": "made-up"}, NOBODY),
    "treatments:calendar_feed_create": ("post", {}, PATIENTS),
    "treatments:calendar_feed_names": ("post", {}, PATIENTS),
    "treatments:calendar_feed_revoke": ("post", {}, PATIENTS),
    "api:calendar-feed": ("post", {}, PATIENTS),
    "api:drugs": ("get", {}, MEMBERS),
    "treatments:reading_panel": ("get", {"reading_id": "reading"}, WITH_TREATMENT),
    "treatments:reading_review": ("get", {"reading_id": "reading"}, WITH_TREATMENT),
    "treatments:reading_restart": ("post", {"reading_id": "reading"}, WITH_TREATMENT),
    # Recording a dispensing changes the treatment: who may change it (the policy's UPDATE).
    "treatments:dispensing_new": ("post", {"medication_id": "medication"}, WITH_TREATMENT),
    "api:medication-dispensings": ("get", {"medication_id": "medication"}, SEES_TREATMENT),
    # Only the patient (or gwen, who manages her file) asks for a renewal and reads the prepared message; the
    # prescriber it is addressed to answers it; every professional has a (maybe empty) inbox.
    "treatments:renewal_request_new": ("post", {"treatment_id": "treatment"}, MANAGES_ALICES_FILE),
    "treatments:renewal_request": ("get", {"request_id": "renewal_request"}, MANAGES_ALICES_FILE),
    "treatments:renewal_requests": ("get", {}, PROFESSIONALS),
    "treatments:renewal_request_answer": ("post", {"request_id": "renewal_request"}, {"bob"}),
    "api:treatment-renewal-requests": ("post", {"treatment_id": "treatment"}, MANAGES_ALICES_FILE),
    "api:renewal-requests": ("get", {}, PROFESSIONALS),
    "api:renewal-request-answer": ("post", {"request_id": "renewal_request"}, {"bob"}),
    "api:record-readings": ("post", {"record_id": "prescription"}, WITH_TREATMENT),
    "api:reading": ("get", {"reading_id": "reading"}, WITH_TREATMENT),
    "api:reading-confirm": ("post", {"reading_id": "reading"}, WITH_TREATMENT),
    # A lab result's reading: whoever sees the record follows it, whoever may add to it reviews and confirms
    # (bob's grant is the whole file; kate's kinds and rob's chosen record do not include it).
    "labs:reading_panel": ("get", {"reading_id": "lab_reading"}, WHOLE_FILE),
    "labs:reading_review": ("get", {"reading_id": "lab_reading"}, WHOLE_FILE),
    "labs:reading_restart": ("post", {"reading_id": "lab_reading"}, WHOLE_FILE),
    "api:record-lab-readings": ("get", {"record_id": "lab_record"}, WHOLE_FILE),
    "api:lab-reading": ("get", {"reading_id": "lab_reading"}, WHOLE_FILE),
    "api:lab-reading-confirm": ("post", {"reading_id": "lab_reading"}, WHOLE_FILE),
    "comments:thread": ("get", {"record_id": "record"}, WHOLE_FILE),
    "comments:create": ("post", {"record_id": "record"}, WHOLE_FILE),
    "comments:mention_suggestions": ("get", {"record_id": "record"}, WHOLE_FILE),
    # Only the author changes or deletes a comment.
    "comments:edit": ("get", {"comment_id": "comment"}, ONLY_ALICE),
    "comments:delete": ("post", {"comment_id": "comment"}, ONLY_ALICE),
    "comments:link_thread": ("get", {"record_id": "record"}, {"link_holder"}),
    "comments:link_create": ("post", {"record_id": "record"}, {"link_holder"}),
    "api:record-comments": ("get", {"record_id": "record"}, WHOLE_FILE),
    "api:comment": ("get", {"comment_id": "comment"}, WHOLE_FILE),
    "api:directory": ("get", {}, MEMBERS),
    "api:caregivers": ("get", {}, PATIENTS),
    "api:caregiver": ("patch", {"caregiver_id": "carol_caregiver"}, ONLY_ALICE),
    # Any member may help someone: the list is each one's own (empty for most).
    "api:caring-for": ("get", {}, MEMBERS),
    "api:caring-for-accept": ("post", {"caregiver_id": "pending_caregiver"}, {"dave"}),
    "api:caring-for-stop": ("post", {"caregiver_id": "gwen_caregiver"}, {"gwen"}),
    "api:proposals": ("get", {"patient_id": "alice"}, ONLY_ALICE),
    "api:proposal-answer": ("post", {"proposal_id": "proposal"}, ONLY_ALICE),
    "health_records:gallery": ("get", {"patient_id": "alice"}, ALICE_AND_HER_TEAM),
    # The latest photo of a site, for the new-record form's camera: rob's scope answers "none", not a 404.
    "health_records:site_reference": ("post", {"patient_id": "alice"}, ALICE_AND_HER_TEAM, {"body_site": "genou"}),
    "health_records:compare": ("get", {"record_id": "photo_record"}, WITH_PHOTOS),
    "health_records:compare_save": (
        "post",
        {"record_id": "photo_record"},
        WITH_PHOTOS,
        {"left": "earlier_photo_file", "right": "photo_file"},
    ),
    "api:patient-photos": ("get", {"patient_id": "alice"}, ALICE_AND_HER_TEAM),
    # Lab values are those of the records one sees: kate's and rob's lists are empty, not a 404; an analyte's
    # page is a 404 for them (they see no value of it), and for carol, who sees no record.
    "api:patient-observations": ("get", {"patient_id": "alice"}, ALICE_AND_HER_TEAM),
    "api:patient-analytes": ("get", {"patient_id": "alice"}, ALICE_AND_HER_TEAM),
    "api:comparisons": ("post", {}, WITH_PHOTOS, {"left": "earlier_photo_file", "right": "photo_file"}),
    "api:token": ("post", {}, ALL),
    # Anyone may try a challenge; without a valid one the answer is 400 (fields) or 401.
    "api:token-second-factor": ("post", {}, ALL),
    "api:tokens": ("get", {}, MEMBERS),
    # With a session rather than a token it answers 400 "no token": the member reached it.
    "api:token-current": ("delete", {}, MEMBERS),
    "api:token-revoke": ("delete", {"token_id": "alice_api_token"}, ONLY_ALICE),
    "api:sessions": ("get", {}, MEMBERS),
    "api:me": ("get", {}, MEMBERS),
    "api:patient-records": ("get", {"patient_id": "alice"}, ALICE_AND_HER_TEAM),
    "api:record": ("get", {"record_id": "record"}, WHOLE_FILE),
    "api:record-files": ("post", {"record_id": "record"}, MANAGES_ALICES_FILE),
    "api:record-archive": ("post", {"record_id": "record"}, MANAGES_ALICES_FILE),
    "api:record-restore": ("post", {"record_id": "record"}, ONLY_ALICE),
    "api:file-download": ("get", {"file_id": "file"}, WHOLE_FILE),
    "api:file-annotation": ("get", {"file_id": "file"}, WHOLE_FILE),
    "accounts:claim": ("get", {}, ALL),
    "accounts:claim_done": ("get", {}, MEMBERS),
    # Only the professional who created the account renews its code.
    "accounts:claim_renew": ("post", {"patient_id": "claim_pending_patient"}, {"bob"}),
    # Patients and professionals keep dependants' files (a parent is either); staff keep none. Handing a file
    # over is for its guardian only: alice is nobody's dependant (tests/accounts/test_dependant_access_matrix.py
    # walks a dependant's file).
    "accounts:dependants": ("get", {}, MEMBERS - {"staff"}),
    "accounts:dependant_new": ("get", {}, MEMBERS - {"staff"}),
    "accounts:dependant_claim_code": ("post", {"dependant_id": "alice"}, NOBODY),
    "accounts:guardian_invite": ("post", {"dependant_id": "alice"}, NOBODY),
    # Only the member a guardian invitation was sent to answers it: nobody was asked here.
    "accounts:guardian_invitation_answer": ("post", {"invitation_id": "grant", "answer": "accept"}, NOBODY),
    "faces:mine": ("get", {}, PATIENTS),
    # The patient's face belongs to the whole file, not to a kind of record.
    "api:face-consent": ("get", {"patient_id": "alice"}, WHOLE_FILE),
    "api:faces": ("post", {"patient_id": "alice"}, WHOLE_FILE),
    "api:face-identify": ("post", {}, {"bob"}),
    "api:face-quick-patient": ("post", {}, {"bob"}),
    "faces:withdraw": ("post", {}, PATIENTS),
    # Each patient undoes only their own withdrawal (the service checks who withdrew, and when).
    "faces:withdraw_undo": ("post", {}, PATIENTS),
    # Searching people by their face is for verified professionals only (bob is; charlie is not).
    "faces:identify": ("get", {}, {"bob"}),
    "faces:search": ("get", {"search_id": "face_search"}, {"bob"}),
    "faces:request_access": ("post", {"search_id": "face_search", "rank": 1}, {"bob"}),
    "faces:confirm_candidate": ("post", {"search_id": "face_search", "rank": 1}, {"bob"}),
    "api:face-candidate-confirm": ("post", {"search_id": "face_search", "rank": 1}, {"bob"}),
    "faces:confirm_with": ("post", {}, PATIENTS),
    "faces:quick_account": ("get", {}, {"bob"}),
    "faces:demo": ("get", {}, {"bob"}),
    # The patient (sent on to their own page) and a professional who may add to the file.
    "faces:enrol_patient": ("get", {"patient_id": "alice"}, WHOLE_FILE),
    # IPP is POST with application/ipp and the printer's own secret (tested in tests/printing); GET is 405 for all.
    "printing:ipp": ("get", {"printer_id": "print_printer"}, NOBODY),
    "printing:ipp_job": ("get", {"printer_id": "print_printer", "job_number": 1}, NOBODY),
    # Each professional has their own printer and inbox; a job is only its printer owner's.
    "printing:printer": ("get", {}, PROFESSIONALS),
    "printing:printer_rotate": ("post", {}, PROFESSIONALS),
    "printing:inbox": ("get", {}, PROFESSIONALS),
    "printing:patient_search": ("get", {}, PROFESSIONALS),
    "printing:job": ("get", {"job_id": "print_job"}, {"bob"}),
    "printing:job_document": ("get", {"job_id": "print_job", "document_id": "print_document"}, {"bob"}),
    "printing:job_assign": ("post", {"job_id": "print_job"}, {"bob"}, {"patient": "alice"}),
    "printing:job_dismiss": ("post", {"job_id": "print_job"}, {"bob"}),
    "api:print-jobs": ("get", {}, PROFESSIONALS),
    # "Download all my data": the patient's own; for a patient's file, a professional whose grant is the whole
    # file (alice's own address sends her to hers); an export is its requester's only.
    "portability:export": ("get", {}, PATIENTS),
    "portability:patient_export": ("get", {"patient_id": "alice"}, WHOLE_FILE),
    "portability:export_panel": ("get", {"export_id": "export_job"}, ONLY_ALICE),
    "portability:export_download": ("get", {"export_id": "export_job"}, ONLY_ALICE),
    "api:me-export": ("get", {}, PATIENTS),
    "api:patient-export": ("get", {"patient_id": "alice"}, WHOLE_FILE),
    # Only the patient imports into their own file; another's import is not found.
    "portability:import_upload": ("get", {}, PATIENTS),
    "portability:import_job": ("get", {"job_id": "import_job"}, ONLY_ALICE),
    "portability:import_status": ("get", {"job_id": "import_job"}, ONLY_ALICE),
    "portability:import_cancel": ("post", {"job_id": "import_job"}, ONLY_ALICE),
    "api:imports": ("post", {}, PATIENTS),
    "api:import": ("get", {"job_id": "import_job"}, ONLY_ALICE),
    "api:import-confirm": ("post", {"job_id": "import_job"}, ONLY_ALICE),
    "api-schema": ("get", {}, ALL),
    "api-docs": ("get", {}, ALL),
    # Allergies: the whole file, and the professionals who may prescribe for the patient (rob's scope has the
    # treatment; kate's has no prescription). Removing one is tested in tests/treatments/test_allergies.py:
    # an unknown allergy is nobody's.
    "treatments:allergies": ("get", {"patient_id": "alice"}, WITH_TREATMENT),
    "treatments:allergy_remove": ("post", {"allergy_id": "00000000-0000-4000-8000-000000000000"}, NOBODY),
    "api:patient-allergies": ("get", {"patient_id": "alice"}, WITH_TREATMENT),
    "api:allergy": ("delete", {"allergy_id": "00000000-0000-4000-8000-000000000000"}, NOBODY),
    # Confirming a medication despite a safety warning is a professional's act, on a treatment they reach.
    "treatments:medication_safety_confirm": ("post", {"medication_id": "medication"}, {"bob", "rob"}),
}

# The administration is one decision: staff only, every page. These stand for all of its routes.
ADMIN_PREFIX = "admin/"
ADMIN_SAMPLES = {
    "admin:index": {},
    "admin:accounts_user_changelist": {},
    "admin:accounts_apitoken_changelist": {},
    "admin:accounts_passkey_changelist": {},
    "admin:accounts_secondfactorevent_changelist": {},
    "admin:accounts_user_second_factor_reset": {"user_id": "bob_pk"},
    "admin:health_records_healthrecord_changelist": {},
    "admin:health_records_healthrecord_change": {"object_id": "record_pk"},
    "admin:health_records_recordfile_download": {"file_id": "file"},
    "admin:audit_accessevent_changelist": {},
    "admin:comments_comment_changelist": {},
    "admin:faces_facetemplate_changelist": {},
    "admin:faces_faceconsent_changelist": {},
    "admin:faces_facesearch_changelist": {},
    "admin:printing_printer_changelist": {},
    "admin:printing_printjob_changelist": {},
    "admin:labs_labreading_changelist": {},
    "admin:labs_observation_changelist": {},
}


def all_routes(patterns=None, prefix="", namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + pattern.name if pattern.name else None


def test_every_route_has_an_access_decision():
    undecided = [
        (route, name) for route, name in all_routes() if not route.startswith(ADMIN_PREFIX) and name not in DECISIONS
    ]
    assert undecided == [], "decide who may reach these routes in DECISIONS"
    assert set(DECISIONS) <= {name for _route, name in all_routes()}, "a decision for a route that no longer exists"


@pytest.fixture
def world(db):
    alice = PatientFactory(email="alice@example.org", first_name="Alice")
    dave = PatientFactory(email="dave@example.org")
    bob = ProfessionalFactory(email="bob@example.org", first_name="Bob")
    record = HealthRecordFactory(patient=alice, title="Bilan")
    record_file = RecordFileFactory(record=record)
    make_record_file_thumbnail(record_file.pk)
    grant = sharing.grant_give(actor=alice, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    link, link_token, _passcode = sharing.share_link_create(actor=alice, records=[record], allow_comments=True)
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])
    access_request = sharing.access_request_create(
        profile=profile,
        requester=None,
        fields={
            "name": "Nora",
            "role": AccessRequest.Role.OTHER,
            "reason": "Sa fille",
            "contact_email": "n@example.org",
        },
    )
    ObservationFactory(record__patient=alice, loinc="4548-4")
    prescription = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance")
    treatment = TreatmentFactory(patient=alice, prescription=prescription)
    medication = MedicationFactory(treatment=treatment, morning=True)
    dispatch = ReminderDispatch.objects.create(
        patient=alice, local_date=timezone.localdate(), moment="morning", due_at=timezone.now()
    )
    kate = ProfessionalFactory(email="kate@example.org", first_name="Kate")
    sharing.grant_give(
        actor=alice, professional=kate, scope=Scope.KINDS, kinds=["imaging", "photo"], permission=Permission.CONTRIBUTE
    )
    rob = ProfessionalFactory(email="rob@example.org", first_name="Rob")
    sharing.grant_give(
        actor=alice, professional=rob, scope=Scope.RECORDS, records=[prescription], permission=Permission.CONTRIBUTE
    )
    reading = PrescriptionReading.objects.create(
        record=prescription,
        record_file=RecordFileFactory(record=prescription),
        status=PrescriptionReading.Status.READY,
        result={"medications": [{"name": "DOLIPRANE 1000 mg", "dose": 1, "unit": "comprimé", "periods": ["morning"]}]},
    )
    lab_record = HealthRecordFactory(patient=alice, kind="lab_result", title="Bilan sanguin")
    lab_reading = LabReadingFactory(record=lab_record)
    proposal = CareTeamProposal.objects.create(
        patient=alice, proposed_by=bob, professional=ProfessionalFactory(), permission="read"
    )
    bob.professional_profile.verified, bob.professional_profile.verified_at = True, timezone.now()
    bob.professional_profile.save()
    faces.face_consent_give(actor=alice, patient=alice)
    face_search = FaceSearch.objects.create(searcher=bob, backend="local", threshold=99, outcome="match")
    FaceSearchCandidate.objects.create(search=face_search, patient=alice, similarity=99.9, rank=1)
    earlier_photo = HealthRecordFactory(patient=alice, kind="photo", title="Genou J+2", body_site="genou")
    photo_record = HealthRecordFactory(patient=alice, kind="photo", title="Genou J+60", body_site="genou")
    claim_pending_patient, _code = accounts.patient_create_for_claim(
        created_by=bob,
        public_id=uuid.uuid4(),
        first_name="Léa",
        last_name="Martin",
        approximate_birth_year=1990,
        language="fr",
    )
    print_job = printing.print_job_receive(actor=bob, name="Ordonnance", data=pdf_bytes())
    alice_api_token, _key = api_tokens.api_token_issue(
        user=alice, device_name="Pixel", user_agent="", address="127.0.0.1"
    )
    export_job = ExportJob.objects.create(patient=alice, requested_by=alice, status=ExportStatus.READY, progress=100)
    export_job.file.save("export.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    import_job = ImportJob.objects.create(
        patient=alice,
        uploaded_by=alice,
        original_name="portail.json",
        status=ImportJob.Status.READY,
        proposal={"records": [], "treatments": [], "allergies": [], "ignored": {}, "ignored_total": 0},
    )
    alice_passkey = Passkey.objects.create(
        user=alice, name="Téléphone", credential_id=b"alice-passkey", public_key=b"key", aaguid="0" * 36
    )
    carol = PatientFactory(email="carol@example.org", first_name="Carol")
    gwen = PatientFactory(email="gwen@example.org", first_name="Gwen")
    for member, rights in ((carol, {"answer_doses": True}), (gwen, {"manage_file": True})):
        caregiver, _token = sharing.caregiver_add(
            actor=alice, patient=alice, identifier=member.email, rights=sharing.Rights(**rights)
        )
        sharing.caregiver_accept(actor=member, caregiver=caregiver)
    pending_caregiver, _token = sharing.caregiver_add(
        actor=alice, patient=alice, identifier=dave.email, rights=sharing.Rights()
    )
    _invitation, caregiver_invitation_token = sharing.caregiver_add(
        actor=alice, patient=alice, identifier="paul@example.org", rights=sharing.Rights()
    )
    return {
        "carol_caregiver": Caregiver.objects.get(caregiver=carol).public_id,
        "gwen_caregiver": Caregiver.objects.get(caregiver=gwen).public_id,
        "pending_caregiver": pending_caregiver.public_id,
        "caregiver_invitation_token": caregiver_invitation_token,
        "export_job": export_job.public_id,
        "import_job": import_job.public_id,
        "alice_api_token": alice_api_token.public_id,
        "alice_passkey": alice_passkey.public_id,
        "alice_browser_session": UserSession.objects.create(user=alice).public_id,
        "print_printer": print_job.printer.slug,
        "print_job": print_job.public_id,
        "print_document": print_job.documents.get().public_id,
        "claim_pending_patient": claim_pending_patient.public_id,
        "photo_record": photo_record.public_id,
        "photo_file": RecordFileFactory(record=photo_record).public_id,
        "earlier_photo_file": RecordFileFactory(record=earlier_photo).public_id,
        "comment": comments.comment_create(actor=alice, record=record, text="Merci").public_id,
        "proposal": proposal.public_id,
        "face_search": face_search.public_id,
        "prescription": prescription.public_id,
        "reading": reading.public_id,
        "lab_record": lab_record.public_id,
        "lab_reading": lab_reading.public_id,
        "treatment": treatment.public_id,
        "medication": medication.public_id,
        "dispatch": dispatch.public_id,
        "renewal_request": RenewalRequest.objects.create(
            treatment=treatment, prescriber=bob, requested_by=alice
        ).public_id,
        "today": timezone.localdate().isoformat(),
        "users": {
            "alice": alice,
            "bob": bob,
            "kate": kate,
            "rob": rob,
            "charlie": ProfessionalFactory(email="charlie@example.org"),
            "dave": dave,
            "carol": carol,
            "gwen": gwen,
            "staff": StaffFactory(email="staff@example.org"),
        },
        "alice": alice.public_id,
        "record": record.public_id,
        "record_pk": record.pk,
        "bob_pk": bob.pk,
        "file": record_file.public_id,
        "grant": grant.public_id,
        "link": link.public_id,
        "link_token": link_token,
        "emergency_token": sharing.emergency_token_of(profile),
        "access_request": access_request.public_id,
        "request_status_token": tokens.request_status_token(access_request.token_nonce),
        "notification": Notification.objects.filter(recipient=alice).first().public_id,
    }


def client_for(member, world) -> Client:
    client = Client()
    if member in world["users"]:
        client.force_login(world["users"][member])
    elif member == "link_holder":
        client.get(reverse("sharing:link_open", args=[world["link_token"]]))
        client.post(reverse("sharing:link_start"), {"name": "Dr Durand", "profession": "radiologue"})
    elif member == "emergency_visitor":
        client.get(reverse("sharing:emergency_page", args=[world["emergency_token"]]))
    return client


def reached(response) -> bool:
    """Whether the request got through to the page (its form may still have found errors)."""
    if response.status_code in (401, 403, 404, 405):
        return False
    if response.status_code == 302 and "/login/" in response.url:
        return False
    # 503 is /healthz answering that a part is down (here: no worker executed a task), not a refusal.
    return response.status_code < 500 or response.status_code == 503


def outcomes(world, name, method, kwargs, data=None):
    url = reverse(name, kwargs={key: world.get(value, value) for key, value in kwargs.items()})
    data = {key: world.get(value, value) for key, value in (data or {}).items()}
    seen = {}
    for member in CAST:
        cache.clear()  # the emergency page's rate limit counts every visit of the run
        with transaction.atomic():
            client = client_for(member, world)
            seen[member] = reached(getattr(client, method)(url, data))
            transaction.set_rollback(True)
    return seen


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_each_route_lets_in_exactly_whom_the_policy_allows(world, name):
    method, kwargs, allowed, *data = DECISIONS[name]

    seen = outcomes(world, name, method, kwargs, *data)

    assert {member for member, got_in in seen.items() if got_in} == allowed


@pytest.mark.parametrize("name", sorted(ADMIN_SAMPLES))
def test_the_administration_is_for_staff_only(world, name):
    seen = outcomes(world, name, "get", ADMIN_SAMPLES[name])

    assert {member for member, got_in in seen.items() if got_in} == {"staff"}
