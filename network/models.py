"""Import every model so the metadata is complete (for Alembic and the schema test)."""

from network.accounts.models import AccessToken, Member
from network.alerts.models import AbuseFlag, Alert, AlertReport
from network.campaigns.models import Campaign, CampaignMember, CampaignTemplate
from network.coordination.models import Action, Ask
from network.digests.models import Digest
from network.guidance.models import PracticeAnswer
from network.impact.models import ImpactSnapshot
from network.learning.models import CheckIn, Experiment
from network.moderation.models import AuditEntry
from network.notices.models import Notice
from network.reach.models import GroupChat, PushSubscription, ReachSettings
from network.realtime.models import FeedEvent
from network.teams.models import Team, TeamMembership
from network.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AbuseFlag",
    "AccessToken",
    "Action",
    "Alert",
    "AlertReport",
    "Ask",
    "AuditEntry",
    "Campaign",
    "CampaignMember",
    "CampaignTemplate",
    "CheckIn",
    "Digest",
    "Experiment",
    "FeedEvent",
    "GroupChat",
    "ImpactSnapshot",
    "Member",
    "Notice",
    "PracticeAnswer",
    "PushSubscription",
    "ReachSettings",
    "Team",
    "TeamMembership",
    "WebhookDelivery",
    "WebhookEndpoint",
]
