"""Drive the unchanged PyPI client `simple-salesforce` against Ferry's Salesforce simulator.

Only where the client sends requests is changed: `instance_url` points at the simulator and the
requests session trusts the sandbox's self-signed certificate (simple-salesforce always speaks
https). simple-salesforce builds its JWT login URL from `<domain>.salesforce.com`, which cannot
point at a local host, so the JWT bearer login is done with `requests` + `PyJWT`, the way most
integrations do it, and the session id is handed to simple-salesforce.

Usage: check_salesforce_client.py BASE_URL CERT_PEM
Exit status 0 means every step behaved as Salesforce does.
"""

import sys
import time
import uuid

import jwt
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

VERSION = "67.0"


def step(name):
    print(f"- {name}", flush=True)


def main(base_url: str, cert: str) -> None:
    http = requests.Session()
    # REQUESTS_CA_BUNDLE and friends would override `verify`; the simulator is local anyway.
    http.trust_env = False
    http.verify = cert
    admin = f"{base_url}/__sandbox"

    step("read the demo credentials from the admin API")
    creds = http.get(f"{admin}/demo-credentials", timeout=10).json()

    step("JWT bearer login (RS256)")
    assertion = jwt.encode(
        {
            "iss": creds["consumer_key"],
            "sub": creds["username"],
            "aud": creds["login_url"],
            "exp": int(time.time()) + 170,
        },
        creds["private_key_pem"],
        algorithm="RS256",
    )
    token = http.post(
        f"{base_url}/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        timeout=10,
    )
    assert token.status_code == 200, token.text
    token = token.json()
    assert "expires_in" not in token, token
    sf = Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        version=VERSION,
        session=http,
    )

    step("describe")
    names = [o["name"] for o in sf.describe()["sobjects"]]
    assert {"Account", "Contact"} <= set(names), names
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert fields["NetSuite_Id__c"]["externalId"] is True
    assert fields["LastName"]["nillable"] is False

    step("create, read, update an account and a contact")
    account = sf.Account.create({"Name": f"Client Check {uuid.uuid4().hex[:6]}", "NetSuite_Id__c": "C-1"})
    assert account["success"] is True and account["id"].startswith("001"), account
    contact = sf.Contact.create(
        {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com", "AccountId": account["id"]}
    )
    assert contact["id"].startswith("003") and len(contact["id"]) == 18, contact
    record = sf.Contact.get(contact["id"])
    assert record["Name"] == "Ada Lovelace", record
    assert record["attributes"]["type"] == "Contact"
    assert sf.Contact.update(contact["id"], {"Title": "Countess"}) == 204
    assert sf.Contact.get(contact["id"])["Title"] == "Countess"

    step("upsert by external id (201 then 200)")
    ext = f"NetSuite_Id__c/{uuid.uuid4().hex[:8]}"
    assert sf.Contact.upsert(ext, {"LastName": "Hopper"}) == 201
    assert sf.Contact.upsert(ext, {"Email": "grace@example.com"}) == 200
    by_ext = sf.Contact.get_by_custom_id("NetSuite_Id__c", ext.split("/")[1])
    assert by_ext["Email"] == "grace@example.com", by_ext

    step("SOQL with parent fields")
    result = sf.query(
        f"SELECT Id, LastName, Account.NetSuite_Id__c FROM Contact WHERE Id = '{contact['id']}'"
    )
    assert result["totalSize"] == 1, result
    assert result["records"][0]["Account"]["NetSuite_Id__c"] == "C-1", result

    step("query_all follows nextRecordsUrl")
    settings = http.get(f"{admin}/settings", timeout=10).json()
    settings["query_batch_size"] = 5
    settings["query_batch_size_min"] = 1
    assert http.put(f"{admin}/settings", json=settings, timeout=10).status_code == 200
    first = sf.query("SELECT Id FROM Contact")
    assert first["done"] is False and "nextRecordsUrl" in first, first
    everything = sf.query_all("SELECT Id FROM Contact")
    assert everything["totalSize"] == len(everything["records"]) > 5, everything["totalSize"]
    iterated = list(sf.query_all_iter("SELECT Id FROM Contact"))
    assert len(iterated) == everything["totalSize"]

    step("delete, then queryAll sees it")
    assert sf.Contact.delete(contact["id"]) == 204
    deleted = sf.query_all(f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{contact['id']}'", include_deleted=True)
    assert deleted["records"][0]["IsDeleted"] is True, deleted

    step("errors map to the client's exceptions")
    try:
        sf.Contact.create({"FirstName": "NoLastName"})
        raise AssertionError("missing LastName was accepted")
    except SalesforceMalformedRequest as e:
        assert e.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING", e.content
    try:
        sf.query("SELECT Bogus__c FROM Contact")
        raise AssertionError("bad SOQL was accepted")
    except SalesforceMalformedRequest as e:
        assert e.content[0]["errorCode"] == "INVALID_FIELD", e.content
    try:
        sf.Contact.get("003000000000000AAA")
        raise AssertionError("a missing record was found")
    except SalesforceResourceNotFound as e:
        assert e.content[0]["errorCode"] == "NOT_FOUND", e.content
    settings["unique_external_id"] = False
    http.put(f"{admin}/settings", json=settings, timeout=10)
    sf.Contact.create({"LastName": "Twin A", "NetSuite_Id__c": "twin"})
    sf.Contact.create({"LastName": "Twin B", "NetSuite_Id__c": "twin"})
    try:
        sf.Contact.upsert("NetSuite_Id__c/twin", {"Title": "x"})
        raise AssertionError("an ambiguous upsert was accepted")
    except SalesforceMoreThanOneRecord:
        pass

    step("collections and composite through restful()")
    created = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": [{"attributes": {"type": "Contact"}, "LastName": f"Bulk {i}"} for i in range(3)]},
    )
    assert [r["success"] for r in created] == [True, True, True], created
    composite = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {"method": "POST", "url": f"/services/data/v{VERSION}/sobjects/Account", "referenceId": "acct", "body": {"Name": "Composite Co"}},
                {"method": "POST", "url": f"/services/data/v{VERSION}/sobjects/Contact", "referenceId": "ct", "body": {"LastName": "Ref", "AccountId": "@{acct.id}"}},
            ],
        },
    )
    assert [r["httpStatusCode"] for r in composite["compositeResponse"]] == [201, 201], composite
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Remaining"] < limits["DailyApiRequests"]["Max"]
    assert sf.api_usage, "Sforce-Limit-Info was not parsed"

    step("a revoked session raises SalesforceExpiredSession")
    http.post(f"{admin}/tokens/revoke", json={}, timeout=10)
    try:
        sf.query("SELECT Id FROM Contact")
        raise AssertionError("a revoked token still worked")
    except SalesforceExpiredSession:
        pass

    print("simple-salesforce works against the simulator: all steps passed")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1].rstrip("/"), sys.argv[2])
