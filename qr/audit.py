"""The audit trail's vocabulary, shared by the store that writes it and the rules that read it back."""


class Entity:
    """The audit trail's entity names, one spelling for the writers and the readers (history, trends, admin)."""

    ISSUE = "issue"
    STEP = "step"
    ATTACHMENT = "attachment"
    EIGHT_D = "8d"
    FOLLOW_UP = "follow_up"
    CLOCK = "clock"
    RESPONSE_RULE = "response_rule"
    MEETING = "meeting"
    ATTENDANCE = "attendance"
    DECISION = "decision"
    QUALITY_STATUS = "quality_status"
    AREA = "area"
    PERSON = "person"
    CATEGORY = "category"
    STEP_TEMPLATE = "steptemplate"
    TEMPLATE_STEP = "templatestep"
    SETTING = "setting"
    ACCOUNT = "account"
