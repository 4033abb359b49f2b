"""Static tables the data generator draws from: accounts, form questions, names, companies, places."""

# name, role of the default member, has a company page, status, currency
ACCOUNTS = [
    ("Acme Europe", "ACCOUNT_BILLING_ADMIN", True, "ACTIVE", "EUR"),
    ("Acme North America", "CAMPAIGN_MANAGER", True, "ACTIVE", "USD"),
    ("Acme Personal Ads", "ACCOUNT_MANAGER", False, "ACTIVE", "USD"),
    ("Acme Partner Program", "VIEWER", True, "ACTIVE", "EUR"),
    ("Acme Legacy", "ACCOUNT_MANAGER", True, "CANCELED", "EUR"),
]
# share of the generated responses per account index
RESPONSE_WEIGHTS = {0: 70, 1: 25, 3: 5}

PREDEFINED = {
    "FIRST_NAME": ("First name", "Prénom"),
    "LAST_NAME": ("Last name", "Nom"),
    "EMAIL": ("Email address", "Adresse e-mail"),
    "WORK_EMAIL": ("Work email", "E-mail professionnel"),
    "PHONE_NUMBER": ("Phone number", "Numéro de téléphone"),
    "COMPANY_NAME": ("Company name", "Nom de l'entreprise"),
    "JOB_TITLE": ("Job title", "Intitulé du poste"),
    "JOB_FUNCTION": ("Job function", "Fonction"),
    "SENIORITY": ("Seniority", "Niveau hiérarchique"),
    "INDUSTRY": ("Industry", "Secteur"),
    "COMPANY_SIZE": ("Company size", "Taille de l'entreprise"),
    "COUNTRY": ("Country/Region", "Pays/Région"),
    "CITY": ("City", "Ville"),
    "STATE": ("State/Province", "État/Province"),
    "ZIP_CODE": ("ZIP code", "Code postal"),
    "WEBSITE": ("Website", "Site web"),
}
# key: (English label, French label, options or None for text, several options allowed)
CUSTOM = {
    "products": ("Which products interest you?", "Quels produits vous intéressent ?",
                 ["CRM", "Accounting", "Inventory", "Website"], True),
    "contact_time": ("Preferred contact time", "Moment préféré pour être contacté", ["Morning", "Afternoon"], False),
    "challenge": ("What is your main challenge?", "Quel est votre principal défi ?", None, False),
}  # fmt: skip
CONSENTS = {
    "privacy": ("I agree to the processing of my data as described in the privacy policy.", True),
    "marketing": ("Yes, send me news and offers by email.", False),
}
OPTIONAL = {"PHONE_NUMBER", "WEBSITE", "challenge", "contact_time", "CITY", "STATE", "ZIP_CODE"}
_BASE = ["FIRST_NAME", "LAST_NAME"]
# account index, name, state, locale, versions, questions (the last one added in version 2), consents, hidden fields
FORMS = [
    (0, "Whitepaper download", "PUBLISHED", "en_US", 1,
     [*_BASE, "EMAIL", "COMPANY_NAME", "JOB_TITLE", "COUNTRY", "products"], ["marketing"],
     {"utm_source": "linkedin", "utm_campaign": "whitepaper"}),
    (0, "Demo request", "PUBLISHED", "en_US", 2,
     [*_BASE, "WORK_EMAIL", "PHONE_NUMBER", "COMPANY_NAME", "JOB_TITLE", "WEBSITE", "CITY", "STATE", "ZIP_CODE",
      "COUNTRY", "challenge", "contact_time"], ["privacy", "marketing"],
     {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "demo"}),
    (0, "Event sign-up", "ARCHIVED", "en_US", 1,
     [*_BASE, "EMAIL", "JOB_FUNCTION", "SENIORITY", "INDUSTRY", "COMPANY_SIZE"], [], {}),
    (1, "US webinar", "PUBLISHED", "en_US", 1,
     [*_BASE, "EMAIL", "PHONE_NUMBER", "COMPANY_NAME", "STATE", "ZIP_CODE"], ["privacy"], {"utm_source": "linkedin"}),
    (1, "Formulaire de contact", "PUBLISHED", "fr_FR", 1,
     [*_BASE, "EMAIL", "COMPANY_NAME", "CITY", "products"], ["privacy"], {"source": "linkedin-fr"}),
    (3, "Partner leads", "PUBLISHED", "en_US", 1, [*_BASE, "EMAIL", "COMPANY_NAME"], [], {}),
]  # fmt: skip

FIRST_NAMES = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Grace", "Hugo", "Inès", "Jonas", "Kenji", "Laura",
               "Mehdi", "Nora", "Oscar", "Priya", "Quentin", "Rosa", "Samuel", "Tanja", "Ugo", "Valérie", "Wei",
               "Xavier", "Yasmin", "Zoé", "Ana", "Björn", "Carlos", "Dana"]  # fmt: skip
LAST_NAMES = ["Martin", "Dubois", "Schmidt", "Rossi", "García", "Smith", "Johnson", "Nguyen", "Kowalski", "Jansen",
              "O'Brien", "Müller", "Lefèvre", "Silva", "Tanaka", "Andersen", "Peeters", "Novák", "Costa", "Fischer",
              "Moreau", "Brown", "Wilson", "Khan", "Ivanova", "Lambert", "Meyer", "Fontaine", "Bakker",
              "Petit"]  # fmt: skip
COMPANIES = [("Northwind Traders", "Retail", "51-200"), ("Contoso Pharma", "Pharmaceuticals", "1001-5000"),
             ("Fabrikam Steel", "Manufacturing", "201-500"), ("Tailspin Toys", "Consumer Goods", "11-50"),
             ("Wingtip Logistics", "Transportation", "501-1000"), ("Litware Software", "Software", "51-200"),
             ("Proseware Bank", "Banking", "5001-10000"), ("Adatum Energy", "Utilities", "1001-5000"),
             ("Lucerne Publishing", "Media", "11-50"), ("Coho Winery", "Food & Beverages", "2-10")]  # fmt: skip
TITLES = ["Marketing Manager", "CEO", "Head of Sales", "IT Director", "Procurement Officer", "CFO", "Office Manager",
          "Software Engineer", "Operations Lead", "Chief Digital Officer"]  # fmt: skip
FUNCTIONS = ["Marketing", "Sales", "Information Technology", "Finance", "Operations", "Engineering"]
SENIORITIES = ["Entry", "Senior", "Manager", "Director", "VP", "CXO", "Owner"]
# country code, country, city, state, zip, phone prefix
LOCATIONS = [("FR", "France", "Lyon", "Auvergne-Rhône-Alpes", "69002", "+33 6"),
             ("BE", "Belgium", "Brussels", "Brussels-Capital", "1000", "+32 470"),
             ("DE", "Germany", "Munich", "Bavaria", "80331", "+49 151"),
             ("US", "United States", "Austin", "Texas", "78701", "+1 512"),
             ("US", "United States", "Boston", "Massachusetts", "02110", "+1 617"),
             ("GB", "United Kingdom", "Manchester", "England", "M1 1AE", "+44 7700"),
             ("ES", "Spain", "Valencia", "Valencian Community", "46001", "+34 612"),
             ("NL", "Netherlands", "Utrecht", "Utrecht", "3511", "+31 6")]  # fmt: skip
CHALLENGES = ["Too many spreadsheets", "Slow quoting process", "Scaling our sales team", "Tracking leads from events",
              "Integrating our web shop"]  # fmt: skip
