"""The demo dataset: one Facebook user with two Pages, an ad account and a handful of customers.

Pure data; :mod:`sandbox.services.seeding` loads it. Ages are relative to the time of seeding, so
the demo always shows open windows, a window closed yesterday and conversations a week old.
Ids are fixed so a demo workspace can refer to them across resets.
"""

from __future__ import annotations

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR

DEMO_USER = {"id": "100000000000101", "name": "Dana Reyes", "email": "dana@example.com"}

DEMO_PAGES = [
    {
        "id": "100000000000201",
        "name": "Acme Coffee",
        "username": "acmecoffee",
        "category": "Coffee Shop",
        "category_id": "1758",
        "fan_count": 1240,
        "followers_count": 1385,
        "messenger_profile": {
            "get_started": {"payload": "GET_STARTED"},
            "greeting": [
                {
                    "locale": "default",
                    "text": "Hi {{user_first_name}}! Ask us about opening hours, pre-orders "
                    "and beans.",
                }
            ],
            "ice_breakers": [
                {
                    "locale": "default",
                    "call_to_actions": [
                        {"question": "What are your opening hours?", "payload": "HOURS"},
                        {"question": "Can I pre-order for pickup?", "payload": "PREORDER"},
                    ],
                }
            ],
            "persistent_menu": [
                {
                    "locale": "default",
                    "composer_input_disabled": False,
                    "call_to_actions": [
                        {"type": "postback", "title": "Opening hours", "payload": "HOURS"},
                        {
                            "type": "web_url",
                            "title": "See the menu",
                            "url": "https://acmecoffee.example/menu",
                        },
                    ],
                }
            ],
        },
    },
    {
        "id": "100000000000202",
        "name": "Acme Bikes",
        "username": "acmebikes",
        "category": "Bicycle Shop",
        "category_id": "2275",
        "fan_count": 860,
        "followers_count": 902,
        "messenger_profile": {
            "get_started": {"payload": "GET_STARTED"},
            "greeting": [
                {"locale": "default", "text": "Hi {{user_first_name}}! Need a tune-up or a part?"}
            ],
        },
    },
]

DEMO_AD_ACCOUNT = {"id": "100000000000301", "name": "Dana Reyes - Acme", "currency": "USD"}

# People and their conversations. Each message: (seconds ago, direction, text).
DEMO_PEOPLE = [
    {
        "id": "100000000000401",
        "first_name": "Maya",
        "last_name": "Thompson",
        "phone_number": "+14155550123",
        "locale": "en_US",
        "threads": {
            "acmecoffee": [
                (2 * HOUR, "in", "Hi! Are you open on Sunday mornings?"),
                (2 * HOUR - 5 * MINUTE, "out", "Morning Maya! Yes, 8am to 2pm on Sundays."),
                (12 * MINUTE, "in", "Great, can I pre-order two oat lattes for 9?"),
            ],
        },
    },
    {
        "id": "100000000000402",
        "first_name": "Luis",
        "last_name": "Hernández",
        "phone_number": "+14155550188",
        "locale": "es_LA",
        "threads": {
            "acmebikes": [
                (30 * HOUR, "in", "¿Tienen cascos para niños?"),
                (29 * HOUR, "out", "¡Sí! Tenemos tallas S y M. ¿Qué edad tiene?"),
            ],
            "acmecoffee": [
                (3 * MINUTE, "in", "Do you sell beans by the pound?"),
            ],
        },
    },
    {
        "id": "100000000000403",
        "first_name": "Priya",
        "last_name": "Natarajan",
        "phone_number": "+16505550147",
        "locale": "en_US",
        "threads": {
            "acmebikes": [
                (5 * DAY, "in", "My tune-up was supposed to be ready yesterday."),
                (5 * DAY - HOUR, "out", "Sorry Priya, a part is delayed. We'll message you."),
            ],
        },
    },
    {
        "id": "100000000000404",
        "first_name": "Tom",
        "last_name": "Becker",
        "phone_number": "+4915112345678",
        "locale": "de_DE",
        "threads": {
            "acmecoffee": [
                (10 * DAY, "in", "Do you ship to Germany?"),
                (10 * DAY - 2 * HOUR, "out", "Not yet, sorry Tom!"),
            ],
        },
    },
    {
        "id": "100000000000405",
        "first_name": "Aisha",
        "last_name": "Bello",
        "phone_number": "+12125550176",
        "locale": "en_GB",
        "blocked": ["acmebikes"],
        "threads": {
            "acmebikes": [
                (3 * DAY, "in", "Please stop sending me offers."),
                (3 * DAY - MINUTE, "out", "Understood, sorry about that."),
            ],
            "acmecoffee": [
                (45 * MINUTE, "in", "Loved the cold brew today!"),
                (40 * MINUTE, "out", "Thank you Aisha! See you soon."),
            ],
        },
    },
    {
        "id": "100000000000406",
        "first_name": "Kenji",
        "last_name": "Watanabe",
        "phone_number": None,
        "locale": "ja_JP",
        "threads": {},
    },
]

# Posts: "ago" in seconds before seeding, or "scheduled_in" seconds after. A comment's "person" is
# a person id, or None for the Page's own public reply. Comment ids are "{post-suffix}_{suffix}".
DEMO_POSTS = [
    {
        "id": "100000000000201_900000000000001",
        "page": "acmecoffee",
        "ago": 2 * DAY,
        "message": "Our autumn menu is here: pumpkin spice oat latte, maple cold brew and "
        "cinnamon buns. What should we add next?",
        "comments": [
            {
                "id": "900000000000001_910000000000001",
                "person": "100000000000401",
                "ago": 2 * DAY - HOUR,
                "message": "Do you have a decaf version of the pumpkin latte?",
                "replies": [
                    {
                        "id": "900000000000001_910000000000002",
                        "person": None,
                        "ago": 2 * DAY - 50 * MINUTE,
                        "message": "Yes Maya, every latte comes in decaf!",
                    }
                ],
            },
            {
                "id": "900000000000001_910000000000003",
                "person": "100000000000402",
                "ago": 5 * HOUR,
                "message": "How much is the maple cold brew?",
                "replies": [],
            },
        ],
    },
    {
        "id": "100000000000201_900000000000002",
        "page": "acmecoffee",
        "ago": 10 * DAY,
        "message": "We're hiring weekend baristas. Send us a message!",
        "comments": [
            {
                "id": "900000000000002_910000000000004",
                "person": "100000000000404",
                "ago": 8 * DAY,  # too old for a private reply
                "message": "Is the job open to students?",
                "replies": [],
            }
        ],
    },
    {
        "id": "100000000000201_900000000000003",
        "page": "acmecoffee",
        "scheduled_in": DAY,
        "message": "Tomorrow only: two-for-one on every cold drink before 10am!",
        "comments": [],
    },
    {
        "id": "100000000000202_900000000000004",
        "page": "acmebikes",
        "ago": 3 * DAY,
        "message": "Spring tune-up season: book now and get a free chain clean.",
        "comments": [
            {
                "id": "900000000000004_910000000000005",
                "person": "100000000000403",
                "ago": 2 * DAY,
                "message": "Is the chain clean free for e-bikes too?",
                "replies": [],
            }
        ],
    },
]

# A click-to-Messenger ad of Acme Coffee, reviewed and delivering since "delivering_for" seconds,
# so the simulator's "click an ad" works and insights show figures.
DEMO_AD = {
    "campaign": {"id": "23850000000000001", "name": "Autumn menu - Messenger"},
    "adset": {"id": "23860000000000001", "name": "Coffee lovers nearby", "daily_budget": 1500},
    "creative": {
        "id": "23870000000000001",
        "post_id": "100000000000201_900000000000009",
        "name": "Autumn menu creative",
        "title": "Autumn menu at Acme Coffee",
        "message": "Pumpkin spice is back. Message us to pre-order!",
        "link": "https://acmecoffee.example/autumn",
    },
    "ad": {"id": "23880000000000001", "name": "Autumn menu - chat with us"},
    "page": "acmecoffee",
    "delivering_for": 2 * DAY,
}
