"""Small catalogs for tests. They are invented (illustrative) and never shipped."""

DHS_TAX_CATALOG = """
catalog: test
version: "test-dhs-tax-1"
effective_from: 2020-01-01
system_of_records: "60-0350"
authorities:
  - id: RU-TEST-DHS-TAX
    title: "Invented routine use that hands tax information to an immigration agency"
    kind: routine_use
    provenance: illustrative
    illustrative: true
    citation: "none: a test fixture"
    summary: "Exists only so that a restriction has something to override."
    recipients: [immigration]
    purposes: [immigration_enforcement]
    categories: [tax_return_information, identity]
    evidence: [program_agreement]
    signoff_roles: [office_manager, regional_privacy_officer, general_counsel]
    accounting: {required: true, subject_may_see: true}
    published_on: 2019-12-01
    effective_from: 2020-01-01
restrictions: []
"""
