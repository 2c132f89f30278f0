"""All application-database tables, imported here so metadata is complete."""

from tajriba.models.accounts import ApiKey, Membership, User, UserSession, Workspace
from tajriba.models.audit import AuditEntry
from tajriba.models.cases import (
    AlertRule,
    BusinessCalendar,
    Case,
    CaseEvent,
    CaseLink,
    CaseRule,
    Notification,
    RootCause,
    SlaPolicy,
    Team,
    TeamMember,
    Webhook,
    WebhookDelivery,
)
from tajriba.models.forecasting import StaffingShift, StaffingTeam
from tajriba.models.goals import Goal
from tajriba.models.jobs import Job
from tajriba.models.journeys import (
    Journey,
    JourneyPersona,
    Persona,
    Stage,
    Touchpoint,
    TouchpointItem,
    TouchpointRule,
)
from tajriba.models.privacy import Breach, DataSubjectRequest, LegalHold, Purpose, RetentionRule
from tajriba.models.reports import ReportSubscription
from tajriba.models.surveys import Survey, SurveyInvitation, SurveyProgress, SurveyTrigger

__all__ = [
    "AlertRule",
    "BusinessCalendar",
    "Case",
    "CaseEvent",
    "CaseLink",
    "CaseRule",
    "Breach",
    "DataSubjectRequest",
    "LegalHold",
    "Purpose",
    "RetentionRule",
    "Notification",
    "RootCause",
    "SlaPolicy",
    "StaffingShift",
    "StaffingTeam",
    "Team",
    "TeamMember",
    "Webhook",
    "WebhookDelivery",
    "ApiKey",
    "AuditEntry",
    "Goal",
    "Job",
    "Journey",
    "JourneyPersona",
    "Membership",
    "Persona",
    "ReportSubscription",
    "Stage",
    "Survey",
    "SurveyInvitation",
    "SurveyProgress",
    "SurveyTrigger",
    "Touchpoint",
    "TouchpointItem",
    "TouchpointRule",
    "User",
    "UserSession",
    "Workspace",
]
