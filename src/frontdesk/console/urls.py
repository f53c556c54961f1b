"""The staff console at /console/. Every name has an access rule in access.py (deny by default)."""

from django.urls import path

from . import (
    audit_views,
    auth_views,
    dashboard_views,
    manage_views,
    office_views,
    privacy_views,
    staff_views,
    token_views,
    views,
    waitlist_views,
)

app_name = "console"

urlpatterns = [
    path("sign-in/", auth_views.sign_in, name="sign-in"),
    path("sign-in/code/", auth_views.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up/", auth_views.sign_in_setup, name="sign-in-setup"),
    path("sign-out/", auth_views.sign_out, name="sign-out"),
    path("", views.home, name="home"),
    path("schedule/", office_views.schedule, name="schedule"),
    path("appointments/action/", office_views.appointment_action, name="appointment-action"),
    path("appointments/find/", office_views.appointment_find, name="appointment-find"),
    path("appointments/reschedule/", office_views.appointment_reschedule, name="appointment-reschedule"),
    path("waitlist/add/", waitlist_views.waitlist_add, name="waitlist-add"),
    path("queue/", office_views.queue, name="queue"),
    path("queue/add/", office_views.queue_add, name="queue-add"),
    path("queue/update/", office_views.queue_update, name="queue-update"),
    path("book/", office_views.book, name="book"),
    path("book/details/", office_views.book_details, name="book-details"),
    path("people/", office_views.people, name="people"),
    path("outside-request/", privacy_views.outside_request, name="outside-request"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/csv/", dashboard_views.dashboard_csv, name="dashboard-csv"),
    path("office/", manage_views.office, name="office"),
    path("office/hours/", manage_views.office_hours, name="office-hours"),
    path("office/closures/add/", manage_views.office_closure_add, name="office-closure-add"),
    path("office/closures/remove/", manage_views.office_closure_remove, name="office-closure-remove"),
    path("office/resources/add/", manage_views.office_resource_add, name="office-resource-add"),
    path("office/resources/update/", manage_views.office_resource_update, name="office-resource-update"),
    path("privacy/requests/", privacy_views.privacy_requests, name="privacy-requests"),
    path("privacy/requests/<uuid:request_id>/", privacy_views.privacy_request, name="privacy-request"),
    path("privacy/requests/<uuid:request_id>/act/", privacy_views.privacy_request_act, name="privacy-request-act"),
    path(
        "privacy/requests/<uuid:request_id>/confirm-position/",
        privacy_views.privacy_position_confirm,
        name="privacy-position-confirm",
    ),
    path(
        "privacy/requests/<uuid:request_id>/evidence/<uuid:evidence_id>/",
        privacy_views.privacy_evidence_download,
        name="privacy-evidence-download",
    ),
    path(
        "privacy/releases/<uuid:release_id>/packet/",
        privacy_views.privacy_release_download,
        name="privacy-release-download",
    ),
    path(
        "privacy/requests/<uuid:request_id>/evidence/", privacy_views.privacy_evidence_add, name="privacy-evidence-add"
    ),
    path(
        "privacy/requests/<uuid:request_id>/subjects/<uuid:subject_id>/drop/",
        privacy_views.privacy_subject_drop,
        name="privacy-subject-drop",
    ),
    path("privacy/restrictions/", privacy_views.privacy_restrictions, name="privacy-restrictions"),
    path("privacy/accounting/", privacy_views.privacy_accounting, name="privacy-accounting"),
    path("privacy/transparency/", privacy_views.privacy_transparency, name="privacy-transparency"),
    path("privacy/alerts/", privacy_views.privacy_alerts, name="privacy-alerts"),
    path("audit/", audit_views.audit, name="audit"),
    path("audit/events/", audit_views.audit_events, name="audit-events"),
    path("audit/verify/", audit_views.audit_verify, name="audit-verify"),
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/person/", staff_views.staff_person, name="staff-person"),
    path("staff/grant/", staff_views.staff_grant, name="staff-grant"),
    path("staff/revoke/", staff_views.staff_revoke, name="staff-revoke"),
    path("staff/approvals/", staff_views.staff_approvals, name="staff-approvals"),
    path("staff/approvals/decide/", staff_views.staff_decide, name="staff-decide"),
    path("staff/history/", staff_views.staff_history, name="staff-history"),
    path("tokens/", token_views.api_tokens, name="api-tokens"),
    path("tokens/issue/", token_views.api_token_issue, name="api-token-issue"),
    path("tokens/revoke/", token_views.api_token_revoke, name="api-token-revoke"),
]
