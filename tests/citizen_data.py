"""The intake data that most tests hand over: a pothole reported by phone, not resolved at once."""

INTAKE = {
    "channel": "phone",
    "citizen_name": "Alva Berg",
    "citizen_email": "alva@example.org",
    "category": "pothole",
    "description": "Deep pothole outside Storgatan 4",
    "resolved_on_first_contact": False,
}
