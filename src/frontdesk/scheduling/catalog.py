"""The services people can book, in plain language (English and Spanish).

Durations and modes follow common field-office practice; which services must be in person follows
the agency's rules (original documents for a card; noncitizen eligibility reviews).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Service

SERVICES: list[dict[str, Any]] = [
    {
        "code": "new_benefit_application",
        "name_en": "Apply for retirement, survivors or disability benefits",
        "name_es": "Solicitar beneficios de jubilación, sobrevivientes o incapacidad",
        "description_en": "Start a new application. Bring your birth certificate and recent W-2 or tax return.",
        "description_es": "Comience una solicitud nueva. Traiga su acta de nacimiento y su W-2 o declaración reciente.",
        "duration_minutes": 60,
        "modes": ["phone", "in_person"],
        "in_person_required": False,
        "required_skill": "claims",
        "min_lead_minutes": 120,
        "horizon_days": 60,
    },
    {
        "code": "ssi_redetermination",
        "name_en": "Supplemental Security Income (SSI) review",
        "name_es": "Revisión del Seguridad de Ingreso Suplementario (SSI)",
        "description_en": "A review of your income, resources and living situation to keep SSI payments right.",
        "description_es": "Una revisión de sus ingresos, recursos y vivienda para que sus pagos de SSI sean correctos.",
        "duration_minutes": 45,
        "modes": ["phone", "in_person"],
        "in_person_required": False,
        "required_skill": "ssi",
        "min_lead_minutes": 120,
        "horizon_days": 60,
    },
    {
        "code": "noncitizen_eligibility_review",
        "name_en": "Continued eligibility review for noncitizens",
        "name_es": "Revisión de elegibilidad continua para no ciudadanos",
        "description_en": "Bring your current immigration documents.",
        "description_es": "Traiga sus documentos de inmigración vigentes.",
        "duration_minutes": 45,
        "modes": ["in_person"],
        "in_person_required": True,
        "required_skill": "ssi",
        "min_lead_minutes": 120,
        "horizon_days": 60,
    },
    {
        "code": "direct_deposit_change",
        "name_en": "Change where your payment is deposited",
        "name_es": "Cambiar dónde se deposita su pago",
        "description_en": "Have your new bank's routing number and your account number ready.",
        "description_es": "Tenga a mano el número de ruta de su banco nuevo y su número de cuenta.",
        "duration_minutes": 15,
        "modes": ["phone", "in_person"],
        "in_person_required": False,
        "required_skill": "post_entitlement",
        "min_lead_minutes": 60,
        "horizon_days": 60,
    },
    {
        "code": "ssn_card_original_documents",
        "name_en": "Social Security card (bring original documents)",
        "name_es": "Tarjeta de Seguro Social (traiga documentos originales)",
        "description_en": "A new or replacement card. Bring the original documents: we must see them.",
        "description_es": "Una tarjeta nueva o de reemplazo. Traiga los documentos originales: debemos verlos.",
        "duration_minutes": 30,
        "modes": ["in_person"],
        "in_person_required": True,
        "required_skill": "enumeration",
        "min_lead_minutes": 60,
        "horizon_days": 60,
    },
    {
        "code": "representative_payee_interview",
        "name_en": "Representative payee interview",
        "name_es": "Entrevista para representante de beneficiario",
        "description_en": "For someone who will manage benefits for a child or an adult who needs help.",
        "description_es": "Para quien administrará los beneficios de un menor o de un adulto que necesita ayuda.",
        "duration_minutes": 45,
        "modes": ["phone", "in_person"],
        "in_person_required": False,
        "required_skill": "rep_payee",
        "min_lead_minutes": 120,
        "horizon_days": 60,
    },
    {
        "code": "medicare_enrollment",
        "name_en": "Sign up for Medicare",
        "name_es": "Inscribirse en Medicare",
        "description_en": "Enroll in Medicare Part A or Part B, or ask about a special enrollment period.",
        "description_es": "Inscríbase en la Parte A o B de Medicare, o pregunte por un período especial.",
        "duration_minutes": 30,
        "modes": ["phone", "in_person"],
        "in_person_required": False,
        "required_skill": "claims",
        "min_lead_minutes": 60,
        "horizon_days": 60,
    },
    {
        "code": "overpayment_discussion",
        "name_en": "Talk about an overpayment notice",
        "name_es": "Hablar sobre un aviso de pago en exceso",
        "description_en": "Bring the notice. We can explain it, set up repayment, or start a waiver request.",
        "description_es": "Traiga el aviso. Podemos explicarlo, acordar el reembolso o pedir una exención.",
        "duration_minutes": 30,
        "modes": ["phone", "in_person"],
        "in_person_required": False,
        "required_skill": "post_entitlement",
        "min_lead_minutes": 60,
        "horizon_days": 60,
    },
]

SKILLS = sorted({s["required_skill"] for s in SERVICES})


def catalog_sync(service_model: "type[Service]") -> None:
    """Create or update every catalog service (used by the data migration and after test flushes).

    The migration passes its historical model, which has the same fields as `Service`."""
    for entry in SERVICES:
        fields = {k: v for k, v in entry.items() if k != "code"}
        service_model.objects.update_or_create(code=entry["code"], defaults=fields)
