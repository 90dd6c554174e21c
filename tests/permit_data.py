"""The second shipped routine, permit_application: the data its tasks take in most tests."""

REGISTRATION = {
    "channel": "walk_in",
    "citizen_name": "Nils Ek",
    "citizen_email": "nils@example.org",
    "property_id": "Eken 4:12",
    "property_address": "Storgatan 12",
    "works": "extension",
    "floor_area": 35,
    "description": "A glazed veranda on the garden side",
}
TECHNICAL = {"technical_result": "met", "technical_notes": "Load calculation attached and correct."}
PLANNING = {"planning_result": "complies", "planning_notes": "Within the building rights of the plan."}
APPROVAL = {"decision": "approved", "answer": "Your building permit is granted."}
