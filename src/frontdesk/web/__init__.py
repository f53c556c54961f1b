"""The UI kit the public site and the console share: USWDS form wiring, birth-date fields, the booking
steps and the person-details form both surfaces ask for.

Surface-neutral: it imports only domain code, and api/public/console/transparency_log may import it; it
never imports a surface (docs/adr/0025-layers.md).
"""
