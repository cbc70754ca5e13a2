#!/usr/bin/env python3
"""Drives the open-source NetSuite client `netsuite` (PyPI, jacobsvante/netsuite) against Ferry's
NetSuite simulator: Token-Based Authentication through the library's own authlib OAuth1 signer
(HMAC-SHA256, realm, query parameters), REST record calls and SuiteQL over httpx.

The library is used unchanged except for where it sends requests: it builds
`https://<account>.suitetalk.api.netsuite.com/services/rest...`, so `_make_url` is overridden to
use the simulator's base URL. Run through scripts/check_netsuite_client.sh.

Usage: check_netsuite_client.py [BASE_URL]   (default http://127.0.0.1:8082)
"""
import asyncio
import json
import sys
import urllib.request
import uuid

from netsuite import Config, NetSuiteRestApi, TokenAuth
from netsuite.exceptions import NetsuiteAPIRequestError

BASE_URL = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8082"


class SimulatorRestApi(NetSuiteRestApi):
    """The library's REST client, pointed at the simulator instead of NetSuite's host."""

    def _make_url(self, subpath: str) -> str:
        return f"{BASE_URL}/services/rest{subpath}"


def demo_credentials() -> dict:
    with urllib.request.urlopen(f"{BASE_URL}/__sandbox/demo-credentials") as response:
        return json.load(response)


def check(condition: bool, message: str, detail: str = "") -> None:
    if not condition:
        print(f"FAIL: {message} {detail}")
        sys.exit(1)
    print(f"ok: {message}")


async def main() -> None:
    creds = demo_credentials()
    tba = creds["tba"]
    config = Config(
        account=creds["account_id"],
        auth=TokenAuth(
            consumer_key=tba["consumer_key"],
            consumer_secret=tba["consumer_secret"],
            token_id=tba["token_id"],
            token_secret=tba["token_secret"],
        ),
    )
    api = SimulatorRestApi(config)
    suffix = uuid.uuid4().hex[:8]

    response = await api.request("POST", "/record/v1/customer", json={"companyName": f"Client Check {suffix}"})
    check(response.status_code == 204, "create customer answers 204", f"(got {response.status_code} {response.text})")
    customer_id = response.headers["Location"].rsplit("/", 1)[-1]
    check(customer_id.isdigit(), f"Location carries the customer id {customer_id}")

    response = await api.request(
        "POST",
        "/record/v1/contact",
        json={"firstName": "Ada", "lastName": f"Check {suffix}", "email": "ada@example.com",
              "company": {"id": customer_id}},
    )
    check(response.status_code == 204, "create contact answers 204")
    contact_id = response.headers["Location"].rsplit("/", 1)[-1]

    contact = await api.get(f"/record/v1/contact/{contact_id}")
    check(contact["company"]["id"] == customer_id, "read contact shows the company reference")
    check(any(l["rel"] == "self" for l in contact["links"]), "read contact has links")

    result = await api.patch(f"/record/v1/contact/{contact_id}", json={"title": "Countess", "email": None})
    check(result is None, "patch answers 204")
    contact = await api.get(f"/record/v1/contact/{contact_id}", params={"fields": "title,email"})
    check(contact.get("title") == "Countess" and "email" not in contact, "patch set title and cleared email")

    await api.put(f"/record/v1/contact/eid:check-{suffix}", json={"lastName": f"Upserted {suffix}"})
    await api.put(f"/record/v1/contact/eid:check-{suffix}", json={"title": "Second write"})
    upserted = await api.get(f"/record/v1/contact/eid:check-{suffix}")
    check(upserted["title"] == "Second write", "PUT eid: created then updated the same contact")

    page = await api.get("/record/v1/contact", params={"limit": 1, "offset": 0})
    check(page["count"] == 1 and page["totalResults"] >= 2, "list pages with limit and offset")

    rows = await api.suiteql(
        q=f"SELECT id, lastname, company FROM contact WHERE lastname LIKE '%{suffix}' ORDER BY id",
        limit=10,
        offset=0,
    )
    check(rows["totalResults"] == 2, f"SuiteQL found both contacts ({rows['totalResults']})")
    check(all(isinstance(v, str) for item in rows["items"] for k, v in item.items() if k != "links"),
          "SuiteQL values are strings")

    try:
        await api.suiteql(q="SELEC nonsense", limit=10, offset=0)
        check(False, "bad SuiteQL is refused")
    except NetsuiteAPIRequestError as error:
        check(error.status_code == 400, "bad SuiteQL is refused with 400")

    for path in (f"/record/v1/contact/{contact_id}", f"/record/v1/contact/eid:check-{suffix}",
                 f"/record/v1/customer/{customer_id}"):
        check(await api.delete(path) is None, f"delete {path}")

    print("netsuite client check: all steps passed")


asyncio.run(main())
