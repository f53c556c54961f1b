"""The public site, mounted with i18n_patterns: English at /, Spanish at /es/ (config/urls.py).

Every name here has an access rule in frontdesk/console/access.py (deny by default)."""

from django.urls import path

from . import floor_views, my_views, reply_views, signin_views, views, waitlist_views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("offices/", views.offices, name="offices"),
    path("offices/<str:code>/", views.office, name="office"),
    path("offices/<str:code>/kiosk/", floor_views.kiosk, name="floor-kiosk"),
    path("offices/<str:code>/kiosk/check-in/", floor_views.kiosk_check_in, name="floor-check-in"),
    path("offices/<str:code>/kiosk/walk-in/", floor_views.kiosk_walk_in, name="floor-walk-in"),
    path("offices/<str:code>/kiosk/tickets/<uuid:ticket_id>/", floor_views.kiosk_ticket, name="floor-ticket"),
    path("offices/<str:code>/board/", floor_views.board, name="floor-board"),
    path("offices/<str:code>/board.json", floor_views.board_state, name="floor-board-state"),
    path("book/", views.book_service, name="book-service"),
    path("book/options/", views.book_options, name="book-options"),
    path("book/time/", views.book_time, name="book-time"),
    path("book/details/", views.book_details, name="book-details"),
    path("appointment/", views.appointment, name="appointment"),
    path("appointment/find/", views.appointment_find_view, name="appointment-find"),
    path("appointment/calendar.ics", views.appointment_calendar, name="appointment-calendar"),
    path("appointment/cancel/", views.appointment_cancel, name="appointment-cancel"),
    path("appointment/reschedule/", views.appointment_reschedule, name="appointment-reschedule"),
    path("appointment/forget/", views.appointment_forget, name="appointment-forget"),
    path("appointment/waitlist/", waitlist_views.waitlist_join, name="waitlist-join"),
    path("waitlist/offer/<uuid:offer_id>/", waitlist_views.waitlist_offer, name="waitlist-offer"),
    path("accounting/", views.accounting, name="accounting"),
    path("accounting/code/", views.accounting_code, name="accounting-code"),
    path("accounting/code/enter/", views.accounting_verify, name="accounting-verify"),
    path("accounting/proof/", views.accounting_proof_download, name="accounting-proof"),
    path("reply/<str:token>/", reply_views.reply_link, name="reply-link"),
    path("hooks/sms/inbound", reply_views.sms_inbound, name="sms-inbound"),
    path("signin/", signin_views.signin_start, name="signin"),
    path("signin/callback/", signin_views.signin_callback, name="signin-callback"),
    path("signout/", signin_views.signout, name="signout"),
    path("signout/done/", signin_views.signout_done, name="signout-done"),
    path("my/", my_views.my_account, name="my-account"),
    path("my/appointment/", my_views.my_appointment_open, name="my-appointment"),
    path("privacy/", views.privacy, name="privacy"),
    path("records-requests/", views.records_request_notice, name="records-request-notice"),
]
