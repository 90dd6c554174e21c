"""Demo data: offices, users for every role, knowledge-base articles and cases in every state.

Demo data only: the passwords are public. Idempotent: people, offices and articles are made once
(an article by its title), cases only in a database that has none. The articles come in English and in
Swedish, each marked with its language.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db import utcnow
from .models import Article, Case, User
from .users import add_member, ensure_group, ensure_user

DEMO_PASSWORD = "demo"
# name -> (title, its Swedish translation)
OFFICES = {
    "streets_parks": ("Streets and parks", "Gator och parker"),
    "building_permits": ("Building permits", "Bygglov"),
    "social_services": ("Social services", "Socialtjänsten"),
    "education": ("Education", "Utbildning"),
    "waste": ("Waste and recycling", "Avfall och återvinning"),
}
CSU_TITLES = ("Citizen Service Unit", "Kontaktcenter")
CATEGORIES = ("pothole", "streetlight", "building_permit", "financial_aid", "school_placement",
              "missed_collection")
CHANNELS = ("phone", "walk_in", "email", "web", "app")
# login -> (display name, roles, groups, manager of its groups)
PEOPLE: dict[str, tuple[str, list[str], list[str], bool]] = {
    "csu": ("Cecilia CSU-agent", ["csu_agent"], ["csu"], False),
    "officer": ("Oskar Officer", ["officer"], ["streets_parks"], False),
    "manager": ("Maja Manager", ["manager", "officer"], ["streets_parks"], True),
    "analyst": ("Anders Analyst", ["analyst"], [], False),
    "admin": ("Astrid Admin", ["admin"], [], False),
    "waste_officer": ("Wilma Waste", ["officer"], ["waste"], False),
    "permits_officer": ("Bo Builder", ["officer"], ["building_permits"], False),
    "permits_manager": ("Petra Permits", ["manager", "officer"], ["building_permits"], True),
    "social_officer": ("Sofia Social", ["officer"], ["social_services"], False),
    "school_officer": ("Erik Education", ["officer"], ["education"], False),
}
# (title, category, body): in English, then the same articles in Swedish
ARTICLES = [
    ("Reporting a pothole", "pothole", "Potholes are repaired within 5 working days. Ask for the exact "
     "address and the size. Dangerous holes (deeper than 5 cm on a main road) are handed over at once."),
    ("Broken streetlight", "streetlight", "Ask for the lamp post number (on a sticker on the post). "
     "Repairs are batched weekly."),
    ("When is my bin emptied?", "missed_collection", "Collection days are on the waste calendar. If "
     "the bin was out by 06:00 on the day and was missed, hand the case over to Waste."),
    ("Applying for a building permit", "building_permit", "Applications are made on the e-service. "
     "A complete application is decided within 10 weeks. Questions about a running case go to Building permits."),
    ("Financial aid: first contact", "financial_aid", "Explain the right to apply and book a meeting "
     "with Social services. Never discuss a person's case on the phone without identification."),
    ("School placement and transfers", "school_placement", "Placements for the autumn term are decided "
     "in April. Transfer requests are handled by Education."),
    ("Streetlight on a private road", "streetlight", "The municipality maintains lights on municipal streets "
     "only. Lights on private roads belong to the road association; give the citizen its contact details "
     "from the road register."),
    ("Icy or uncleared footpaths", "pothole", "Footpaths and cycle lanes are cleared and gritted first, "
     "within 6 hours of snowfall ending. A fall injury on an uncleared path is a damage claim: hand it over "
     "to Streets and parks with the place and the time."),
    ("Bulky waste and recycling centres", "missed_collection", "Furniture, white goods and garden waste are "
     "not collected at the kerb. The recycling centres are open every day; the citizen may book a bulky waste "
     "pick-up on the e-service for a fee."),
    ("Damaged or full waste bin", "missed_collection", "A broken lid or a bin that is too small is replaced "
     "by Waste free of charge; a larger bin changes the fee. Note the address and the bin number."),
    ("Do I need a building permit for a shed?", "building_permit", "A shed or a guest house up to 30 square "
     "metres near the house usually needs no permit, only a notification if it is closer than 4.5 metres "
     "to the neighbour's boundary. Detailed plans can say otherwise: check the address in the map service."),
    ("Housing allowance or financial aid?", "financial_aid", "Housing allowance is applied for at the "
     "Social Insurance Agency, not at the municipality. Financial aid (ekonomiskt bistånd) is the last "
     "resort: book a first meeting with Social services."),
    ("Preschool queue and waiting times", "school_placement", "A child can be put in the preschool queue "
     "from the age of one; a place is offered within four months. Queue position and offers are on the "
     "e-service; questions about a specific offer go to Education."),
    ("Park benches, playgrounds and fallen trees", "pothole", "Damage in parks and playgrounds is handed "
     "over to Streets and parks. A fallen tree blocking a road or a path is urgent: call the on-duty number "
     "as well as registering the request."),
]
ARTICLES_SV = [
    ("Anmäla ett potthål", "pothole", "Potthål lagas inom 5 arbetsdagar. Fråga efter den exakta adressen och "
     "hur stort hålet är. Farliga hål (djupare än 5 cm på en huvudgata) lämnas över direkt."),
    ("Trasig gatubelysning", "streetlight", "Fråga efter stolpens nummer (det står på en dekal på stolpen). "
     "Lagningarna görs en gång i veckan."),
    ("När töms mitt kärl?", "missed_collection", "Tömningsdagarna står i avfallskalendern. Stod kärlet ute "
     "klockan 06.00 på tömningsdagen och blev ändå inte tömt, lämna ärendet till Avfall och återvinning."),
    ("Söka bygglov", "building_permit", "Ansökan görs i e-tjänsten. En komplett ansökan beslutas inom 10 veckor. "
     "Frågor om ett pågående ärende går till Bygglov."),
    ("Ekonomiskt bistånd: första kontakten", "financial_aid", "Berätta om rätten att ansöka och boka ett möte "
     "med Socialtjänsten. Diskutera aldrig en persons ärende i telefon utan legitimering."),
    ("Skolplacering och byte av skola", "school_placement", "Placeringar till höstterminen beslutas i april. "
     "Önskemål om skolbyte handläggs av Utbildning."),
    ("Belysning på enskild väg", "streetlight", "Kommunen sköter belysningen på kommunala gator. Belysning på "
     "enskilda vägar tillhör vägföreningen; ge invånaren föreningens kontaktuppgifter ur vägregistret."),
    ("Isiga eller oplogade gångvägar", "pothole", "Gångvägar och cykelbanor plogas och sandas först, inom 6 "
     "timmar efter att snöfallet har upphört. Ett fall på en oplogad gångväg är en skadeanmälan: lämna den till "
     "Gator och parker med plats och tid."),
    ("Grovavfall och återvinningscentraler", "missed_collection", "Möbler, vitvaror och trädgårdsavfall hämtas "
     "inte vid tomtgränsen. Återvinningscentralerna har öppet alla dagar; invånaren kan boka hämtning av "
     "grovavfall mot avgift i e-tjänsten."),
    ("Skadad eller full soptunna", "missed_collection", "Ett trasigt lock eller ett för litet kärl byts "
     "kostnadsfritt av Avfall och återvinning; ett större kärl ändrar avgiften. Notera adressen och kärlets "
     "nummer."),
    ("Behöver jag bygglov för en bod?", "building_permit", "En bod eller ett gästhus på högst 30 kvadratmeter "
     "nära huset behöver oftast inget bygglov, bara en anmälan om det står närmare grannens tomtgräns än 4,5 "
     "meter. Detaljplanen kan säga något annat: kontrollera adressen i karttjänsten."),
    ("Bostadsbidrag eller ekonomiskt bistånd?", "financial_aid", "Bostadsbidrag söks hos Försäkringskassan, "
     "inte hos kommunen. Ekonomiskt bistånd är det yttersta skyddsnätet: boka ett första möte med "
     "Socialtjänsten."),
    ("Förskolekö och väntetider", "school_placement", "Ett barn kan ställas i förskolekön från ett års ålder; "
     "en plats erbjuds inom fyra månader. Köplats och erbjudanden finns i e-tjänsten; frågor om ett visst "
     "erbjudande går till Utbildning."),
    ("Parkbänkar, lekplatser och omkullfallna träd", "pothole", "Skador i parker och på lekplatser lämnas över "
     "till Gator och parker. Ett träd som har fallit över en väg eller en gångväg är brådskande: ring "
     "jourtelefonen och registrera dessutom ärendet."),
]
NAMES = ("Alva Berg", "Nils Ek", "Sara Lind", "Omar Haddad", "Elin Sjö", "Karl Nyström", "Leila Amini",
         "Johan Holm", "Ines Falk", "Tove Strand")


def seed_people(session: Session) -> dict[str, User]:
    ensure_group(session, "csu", CSU_TITLES[0], "csu", {"sv": CSU_TITLES[1]})
    for name, (title, swedish) in OFFICES.items():
        ensure_group(session, name, title, "office", {"sv": swedish})
    users = {}
    for login, (display, roles, groups, manager) in PEOPLE.items():
        user = ensure_user(session, login, display_name=display, roles=roles, password=DEMO_PASSWORD,
                           email=f"{login}@onestop.example")
        for group in groups:
            add_member(session, user, ensure_group(session, group, group), manager=manager)
        users[login] = user
    return users


def seed_articles(session: Session) -> None:
    """The demo articles in English and in Swedish; an article whose title is there already is left
    alone, except that an English one from before articles had languages is marked English."""
    existing = {a.title: a for a in session.scalars(select(Article))}
    for language, articles in (("en", ARTICLES), ("sv", ARTICLES_SV)):
        for title, category, body in articles:
            article = existing.get(title)
            if article is None:
                session.add(Article(title=title, category=category, body=body, language=language))
            elif article.language is None and article.body == body:
                article.language = language
    session.flush()


def existing_cases(session: Session) -> int:
    """How many cases the database has: demo cases go only into a database without any, so running
    the demo twice does not double them (and never mixes them into real work)."""
    return session.scalar(select(func.count()).select_from(Case)) or 0


def seed_cases(session: Session, users: dict[str, User], count: int, *, seed: int = 7,
               progress: Callable[[int], None] | None = None) -> int:
    """`count` requests received over the last year (processes/demo_live.py): the finished ones
    written as history in bulk, the ones still open run through the engine, so they can be worked on;
    then the showcase requests (processes/demo_showcase.py) that every demo login finds on its pages, and a few
    building permit applications (processes/demo_permits.py)."""
    from .demo_live import seed_year
    from .demo_permits import seed_permit_applications
    from .demo_showcase import seed_showcase

    now = utcnow()
    seeded = seed_year(session, users, count, seed=seed, now=now, progress=progress)
    seeded += len(seed_showcase(session, users, now))
    return seeded + len(seed_permit_applications(session, users, now))
