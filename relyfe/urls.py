from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from accounts.two_factor.api import SecondFactorTokenView
from comments import api as comments_api
from comments import urls as comments_urls
from faces import api as faces_api
from health_records import annotation_api, photo_api
from health_records import api as records_api
from home import app_views
from home import views as home_views
from labs import api as labs_api
from labs import reading_api as lab_reading_api
from notifications import views as notifications_views
from portability import export_api, import_api
from printing import api as printing_api
from relyfe.health import healthz
from relyfe.metrics import metrics_view
from sharing import api as sharing_api
from sharing import caregiver_api
from sharing import urls as sharing_urls
from treatments import allergy_api, calendar_api, reading_api, supply_api
from treatments import api as treatments_api
from treatments.metrics import reminders_metrics

api_v1 = [
    path("auth/token/", accounts_api.TokenObtainView.as_view(), name="token"),
    path("auth/token/second-factor/", SecondFactorTokenView.as_view(), name="token-second-factor"),
    path("auth/tokens/", accounts_api.DeviceTokensView.as_view(), name="tokens"),
    path("auth/tokens/current/", accounts_api.CurrentTokenView.as_view(), name="token-current"),
    path("auth/tokens/<uuid:token_id>/", accounts_api.DeviceTokenView.as_view(), name="token-revoke"),
    path("auth/sessions/", accounts_api.BrowserSessionsView.as_view(), name="sessions"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("directory/", accounts_api.DirectoryView.as_view(), name="directory"),
    path("patients/<uuid:patient_id>/proposals/", sharing_api.PatientProposalsView.as_view(), name="proposals"),
    path("proposals/<uuid:proposal_id>/answer/", sharing_api.ProposalAnswerView.as_view(), name="proposal-answer"),
    path("patients/<uuid:patient_id>/records/", records_api.PatientRecordsView.as_view(), name="patient-records"),
    path("records/<uuid:record_id>/", records_api.RecordDetailView.as_view(), name="record"),
    path("records/<uuid:record_id>/files/", records_api.RecordFilesView.as_view(), name="record-files"),
    path("records/<uuid:record_id>/archive/", records_api.RecordArchiveView.as_view(), name="record-archive"),
    path("records/<uuid:record_id>/restore/", records_api.RecordRestoreView.as_view(), name="record-restore"),
    path("files/<uuid:file_id>/download/", records_api.FileDownloadView.as_view(), name="file-download"),
    path(
        "patients/<uuid:patient_id>/treatments/",
        treatments_api.PatientTreatmentsView.as_view(),
        name="patient-treatments",
    ),
    path("patients/<uuid:patient_id>/plan/", treatments_api.PatientPlanView.as_view(), name="patient-plan"),
    path("treatments/<uuid:treatment_id>/", treatments_api.TreatmentDetailView.as_view(), name="treatment"),
    path(
        "treatments/<uuid:treatment_id>/medications/",
        treatments_api.TreatmentMedicationsView.as_view(),
        name="treatment-medications",
    ),
    path("medications/<uuid:medication_id>/", treatments_api.MedicationDetailView.as_view(), name="medication"),
    path("medications/<uuid:medication_id>/stop/", treatments_api.MedicationStopView.as_view(), name="medication-stop"),
    path("doses/", treatments_api.DosesView.as_view(), name="doses"),
    path(
        "medications/<uuid:medication_id>/dispensings/",
        supply_api.MedicationDispensingsView.as_view(),
        name="medication-dispensings",
    ),
    path(
        "treatments/<uuid:treatment_id>/renewal-requests/",
        supply_api.TreatmentRenewalRequestsView.as_view(),
        name="treatment-renewal-requests",
    ),
    path("renewal-requests/", supply_api.RenewalRequestsView.as_view(), name="renewal-requests"),
    path(
        "renewal-requests/<uuid:request_id>/answer/",
        supply_api.RenewalRequestAnswerView.as_view(),
        name="renewal-request-answer",
    ),
    path("caring-for/patients/", treatments_api.CaringForView.as_view(), name="caring-for-patients"),
    path("reminder-settings/", treatments_api.ReminderSettingsView.as_view(), name="reminder-settings"),
    path("drugs/", treatments_api.DrugsView.as_view(), name="drugs"),
    path("patients/<uuid:patient_id>/allergies/", allergy_api.PatientAllergiesView.as_view(), name="patient-allergies"),
    path("allergies/<uuid:allergy_id>/", allergy_api.AllergyView.as_view(), name="allergy"),
    path("calendar-feed/", calendar_api.CalendarFeedView.as_view(), name="calendar-feed"),
    path(
        "patients/<uuid:patient_id>/observations/",
        labs_api.PatientObservationsView.as_view(),
        name="patient-observations",
    ),
    path(
        "patients/<uuid:patient_id>/observations/analytes/",
        labs_api.PatientAnalytesView.as_view(),
        name="patient-analytes",
    ),
    path("patients/<uuid:patient_id>/photos/", photo_api.PhotoGalleryView.as_view(), name="patient-photos"),
    path("comparisons/", photo_api.ComparisonSaveView.as_view(), name="comparisons"),
    path("files/<uuid:file_id>/annotation/", annotation_api.AnnotationView.as_view(), name="file-annotation"),
    path("records/<uuid:record_id>/readings/", reading_api.RecordReadingsView.as_view(), name="record-readings"),
    path("readings/<uuid:reading_id>/", reading_api.ReadingView.as_view(), name="reading"),
    path("readings/<uuid:reading_id>/confirm/", reading_api.ReadingConfirmView.as_view(), name="reading-confirm"),
    path(
        "records/<uuid:record_id>/lab-readings/",
        lab_reading_api.RecordLabReadingsView.as_view(),
        name="record-lab-readings",
    ),
    path("lab-readings/<uuid:reading_id>/", lab_reading_api.LabReadingView.as_view(), name="lab-reading"),
    path(
        "lab-readings/<uuid:reading_id>/confirm/",
        lab_reading_api.LabReadingConfirmView.as_view(),
        name="lab-reading-confirm",
    ),
    path("records/<uuid:record_id>/comments/", comments_api.RecordCommentsView.as_view(), name="record-comments"),
    path("comments/<uuid:comment_id>/", comments_api.CommentDetailView.as_view(), name="comment"),
    path("patients/<uuid:patient_id>/face-consent/", faces_api.FaceConsentView.as_view(), name="face-consent"),
    path("patients/<uuid:patient_id>/faces/", faces_api.PatientFacesView.as_view(), name="faces"),
    path("faces/identify/", faces_api.FaceIdentifyView.as_view(), name="face-identify"),
    path(
        "faces/searches/<uuid:search_id>/candidates/<int:rank>/confirm/",
        faces_api.FaceCandidateConfirmView.as_view(),
        name="face-candidate-confirm",
    ),
    path("faces/patients/", faces_api.QuickPatientView.as_view(), name="face-quick-patient"),
    path("print-jobs/", printing_api.PrintJobsView.as_view(), name="print-jobs"),
    path("me/export/", export_api.MyExportView.as_view(), name="me-export"),
    path("patients/<uuid:patient_id>/export/", export_api.PatientExportView.as_view(), name="patient-export"),
    path("me/imports/", import_api.ImportsView.as_view(), name="imports"),
    path("imports/<uuid:job_id>/", import_api.ImportJobView.as_view(), name="import"),
    path("imports/<uuid:job_id>/confirm/", import_api.ImportConfirmView.as_view(), name="import-confirm"),
    path("caregivers/", caregiver_api.CaregiversView.as_view(), name="caregivers"),
    path("caregivers/<uuid:caregiver_id>/", caregiver_api.CaregiverView.as_view(), name="caregiver"),
    path("caring-for/", caregiver_api.CaringForView.as_view(), name="caring-for"),
    path(
        "caring-for/<uuid:caregiver_id>/accept/", caregiver_api.CaringForAcceptView.as_view(), name="caring-for-accept"
    ),
    path("caring-for/<uuid:caregiver_id>/stop/", caregiver_api.CaringForStopView.as_view(), name="caring-for-stop"),
]

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Prometheus: 404 unless METRICS_ENABLED, and then to anyone without the token or an allowed address.
    path("metrics", metrics_view({"reminders": reminders_metrics}), name="metrics"),
    # The service worker must be served from the root to receive the whole site's push messages.
    path("service-worker.js", notifications_views.service_worker, name="service_worker"),
    # The installed app (home/app_views.py): its manifest, the page shown offline, its "Take a photo" shortcut.
    path("manifest.json", app_views.manifest, name="manifest"),
    path("offline/", app_views.offline, name="offline"),
    path("app/photo/", app_views.take_photo, name="take_photo"),
    path("accounts/", include("accounts.urls")),
    # Passkeys' WebAuthn endpoints (django-otp-webauthn), in the namespace its template tags expect.
    path("accounts/webauthn/", include("accounts.passkey_urls")),
    path("", include("health_records.urls")),
    path("", include("audit.urls")),
    path("", include("sharing.urls")),
    path("", include("treatments.urls")),
    path("", include("labs.urls")),
    # A record's discussion: the members' URLs are comments', a share link holder's are sharing's (the link's
    # session is sharing's to read, and comments sits below sharing); one namespace for both.
    path("", include((comments_urls.urlpatterns + sharing_urls.link_comment_urlpatterns, comments_urls.app_name))),
    path("", include("faces.urls")),
    path("", include("printing.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("portability.urls")),
    path("", include("erasure.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
