"""The Python SDK against the real server: fixtures prepared by test/sdk/python.test.ts (skipped without it)."""

import json
import re
import time
import unittest
import uuid

from layers import (PlatformRuleViolationError, ApprovalRequiredError, AuthenticationError, ConflictError, ContentRejectedError, InternalServerError,
                    Layers, NotFoundError, PermissionDeniedError, RateLimitError, ValidationError, response_of)

from .support import SEED_PAGE, live_fixtures

FIXTURES = live_fixtures()
# The seed page's Python tab, verbatim but for the account id (the page's is illustrative).
SEED_PY = '''result = layers.social.revoke(
    social_account_id="sa_9c1e42a0-b7f3-4e5d-a2c1-8b4f5e6c7d8e",
)'''
SEED_ID = "sa_9c1e42a0-b7f3-4e5d-a2c1-8b4f5e6c7d8e"
REQUEST_ID = re.compile(r"^req_[0-9A-Z]{26}$")


@unittest.skipUnless(FIXTURES, "needs real servers: run test/sdk/python.test.ts (npm test)")
class LiveServerTest(unittest.TestCase):
    def setUp(self):
        self.layers = Layers(api_key=FIXTURES["apiKey"], base_url=FIXTURES["baseUrl"])

    def test_seed_snippet_returns_4(self):
        if SEED_PAGE.exists():
            block = re.search(r"```python\n(.*?)\n\s*```", SEED_PAGE.read_text(encoding="utf-8"), re.S).group(1)
            self.assertEqual(SEED_PY, "\n".join(line[4:] if line.startswith("    ") else line.strip() for line in block.split("\n")).strip())
        namespace = {"layers": Layers()}  # LAYERS_API_KEY and LAYERS_BASE_URL, as the page assumes
        exec(SEED_PY.replace(SEED_ID, FIXTURES["seedAccountId"]), namespace)
        result = namespace["result"]
        self.assertEqual(result["canceledScheduledPosts"], 4)
        self.assertEqual(list(result), ["socialAccountId", "status", "disconnectedReason", "canceledScheduledPosts", "disconnectedAt"])
        self.assertEqual((result["status"], result["disconnectedReason"]), ("disconnected", "revoked_by_partner"))
        self.assertRegex(result["disconnectedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_typed_errors_from_real_answers(self):
        with self.assertRaises(NotFoundError) as nf:
            self.layers.social.revoke(social_account_id="sa_00000000-0000-4000-8000-000000000000")
        self.assertEqual((nf.exception.status, nf.exception.code), (404, "NOT_FOUND"))
        self.assertRegex(nf.exception.request_id, REQUEST_ID)
        with self.assertRaises(ValidationError) as bad:
            self.layers.social.revoke(social_account_id="sa_nope")
        self.assertEqual((bad.exception.status, bad.exception.issues[0]["path"]), (400, "socialAccountId"))
        with self.assertRaises(AuthenticationError):
            Layers(api_key="lp_test_wrong", base_url=FIXTURES["baseUrl"]).whoami()
        with self.assertRaises(PermissionDeniedError) as denied:
            Layers(api_key=FIXTURES["readOnlyKey"], base_url=FIXTURES["baseUrl"]).social.revoke(social_account_id=FIXTURES["leasedAccountId"])
        self.assertEqual(denied.exception.required_scope, "social:write")
        with self.assertRaises(ValidationError) as invalid:
            self.layers.projects.create(name="x", timezone="Mars/Olympus")
        self.assertEqual((invalid.exception.status, invalid.exception.issues[0]["path"]), (422, "timezone"))
        self.assertIn(f"timezone: {invalid.exception.issues[0]['message']}", str(invalid.exception), "the first issue is in the message")

    def test_request_id_rate_limit_and_auto_pagination(self):
        me = self.layers.whoami()
        info = response_of(me)
        self.assertRegex(info.request_id, REQUEST_ID)
        self.assertEqual((info.status, info.headers["x-request-id"]), (200, info.request_id))
        self.assertIsNotNone(info.rate_limit)
        self.assertGreaterEqual(info.rate_limit.remaining, 0)
        self.assertEqual(json.loads(json.dumps(me)), dict(me), "results stay plain JSON objects")
        page = self.layers.social.list(project_id=FIXTURES["projectId"], limit=100)
        self.assertGreaterEqual(len(page.data), 2)
        self.assertEqual(page.data, page["items"])
        self.assertRegex(response_of(page).request_id, REQUEST_ID)
        walked = [a["socialAccountId"] for a in self.layers.social.list(project_id=FIXTURES["projectId"], limit=1).auto_paging_iter()]
        self.assertEqual(walked, [a["socialAccountId"] for a in page.data], "pages of one, following nextCursor, give the same accounts")

    def test_api_keys(self):
        org_id = FIXTURES["organizationId"]
        created = self.layers.api_keys.create(org_id=org_id, name="Py key", scopes=["projects:read"], env="test")
        mine = Layers(api_key=created["key"], base_url=FIXTURES["baseUrl"])
        self.assertEqual(mine.whoami()["apiKeyId"], created["apiKeyId"])
        shown = [k for k in self.layers.api_keys.list(org_id=org_id, limit=200).data if k["apiKeyId"] == created["apiKeyId"]]
        self.assertEqual(shown[0]["masked"], f"lp_test_{created['apiKeyId']}_…{created['key'][-4:]}")
        idem = f"py-rotate-{created['apiKeyId']}"
        rotated = mine.api_keys.rotate(key_id=created["apiKeyId"], grace_seconds=60, idempotency_key=idem)
        replayed = mine.api_keys.rotate(key_id=created["apiKeyId"], grace_seconds=60, idempotency_key=idem)
        self.assertEqual(replayed["key"], rotated["key"], "a replay returns the same new key")
        with self.assertRaises(ConflictError) as again:
            self.layers.api_keys.rotate(key_id=created["apiKeyId"])
        self.assertEqual(again.exception.details["reason"], "superseded")
        self.assertEqual(self.layers.api_keys.revoke(org_id=org_id, key_id=rotated["apiKeyId"])["status"], "revoked")
        with self.assertRaises(AuthenticationError):
            Layers(api_key=rotated["key"], base_url=FIXTURES["baseUrl"]).whoami()

    def test_resources(self):
        me = self.layers.whoami()
        self.assertEqual((me["organizationId"], me["env"]), (FIXTURES["organizationId"], "test"))
        project = self.layers.projects.create(name="Py customer", timezone="Europe/Paris", customer_external_id="crm-7")
        self.assertEqual(project["customerExternalId"], "crm-7")
        self.assertEqual(self.layers.projects.get(project_id=project["id"])["name"], "Py customer")
        self.assertEqual(self.layers.projects.update(project_id=project["id"], name="Renamed")["name"], "Renamed")
        self.assertEqual(self.layers.projects.archive(project_id=project["id"])["status"], "archived")
        quota = self.layers.social.get_quota(social_account_id=FIXTURES["scheduleAccountId"])
        self.assertEqual((quota["platform"], quota["source"], quota["windowSeconds"]), ("tiktok", "default", 86400))
        leased = self.layers.social.list(project_id=FIXTURES["projectId"], leased=True)
        self.assertEqual([a["socialAccountId"] for a in leased["items"]], [FIXTURES["leasedAccountId"]])
        container = self.layers.content.upload(project_id=FIXTURES["projectId"], media=["https://cdn.example.com/a.mp4"])
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        created = self.layers.content.schedule(container_id=container["id"], scheduled_for=when,
                                               targets=[{"socialAccountId": FIXTURES["scheduleAccountId"], "mode": "publish"}])
        post_id = created["scheduledPosts"][0]["id"]
        listed = self.layers.scheduled_posts.list(project_id=FIXTURES["projectId"], status=["queued"], social_account_id=FIXTURES["scheduleAccountId"])
        self.assertEqual([p["id"] for p in listed["items"]], [post_id])
        self.assertEqual(self.layers.scheduled_posts.cancel(id=post_id)["status"], "canceled")

    def test_platform_rules(self):
        long_cut = {"url": "https://cdn.example.com/long.mp4", "contentType": "video/mp4", "durationMs": 600_001}
        container = self.layers.content.upload(project_id=FIXTURES["projectId"], media=[long_cut])
        self.assertEqual((container["media"], container["mediaDetails"][0]["durationMs"]), ([long_cut["url"]], 600_001))
        targets = [{"socialAccountId": FIXTURES["scheduleAccountId"], "mode": "publish"}]
        checked = self.layers.content.validate(container_id=container["id"], targets=targets)
        self.assertEqual((checked["valid"], [i["code"] for i in checked["targets"][0]["issues"]]), (False, ["MEDIA_TOO_LONG"]))
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        dry = self.layers.content.schedule(container_id=container["id"], scheduled_for=when, targets=targets, dry_run=True)
        self.assertEqual((dry["dryRun"], dry["wouldAnswer"], response_of(dry).status), (True, 422, 200))
        with self.assertRaises(PlatformRuleViolationError) as refused:
            self.layers.content.publish(container_id=container["id"], targets=targets)
        self.assertEqual((refused.exception.status, refused.exception.targets[0]["issues"][0]["code"]), (422, "MEDIA_TOO_LONG"))

    def test_approval(self):
        project_id = FIXTURES["projectId"]
        self.layers.projects.update_approval_policy(project_id=project_id, requires_approval=True)
        try:
            self.assertTrue(self.layers.projects.get_approval_policy(project_id=project_id)["requiresApproval"])
            media = ["https://cdn.example.com/approval.mp4"]
            targets = [{"socialAccountId": FIXTURES["scheduleAccountId"], "mode": "publish"}]
            pending = self.layers.content.upload(project_id=project_id, media=media)
            self.assertEqual(pending["approvalStatus"], "pending")
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            stashed = self.layers.content.schedule(container_id=pending["id"], scheduled_for=when, targets=targets)
            self.assertEqual((stashed.get("gateStatus"), response_of(stashed).status), ("blocked_on_approval", 202))
            with self.assertRaises(ApprovalRequiredError) as refused:
                self.layers.content.publish(container_id=pending["id"], targets=targets)
            self.assertEqual((refused.exception.status, refused.exception.code), (403, "APPROVAL_REQUIRED"))
            rejected = self.layers.content.reject(container_id=pending["id"], reason="Off brand")
            self.assertEqual((rejected["approvalStatus"], rejected["droppedScheduleIntents"]), ("rejected", 1))
            with self.assertRaises(ContentRejectedError) as gone:
                self.layers.content.schedule(container_id=pending["id"], scheduled_for=when, targets=targets)
            self.assertEqual(gone.exception.status, 409)
            other = self.layers.content.upload(project_id=project_id, media=media)
            approved = self.layers.content.approve(container_id=other["id"], note="Yes")
            self.assertEqual((approved["approvalStatus"], approved["pendingSchedulePromotion"]["scheduleIntents"]),
                             ("approved", 0))
        finally:
            self.layers.projects.update_approval_policy(project_id=project_id, requires_approval=False)

    def test_webhook_endpoints_events(self):
        created = self.layers.webhooks.create(url="http://127.0.0.1:9/sdk-py", events=["lease_request.assigned"])
        self.assertEqual(created["events"], ["lease_request.assigned"])
        self.assertTrue(created["secret"].startswith("whsec_"))
        self.assertEqual(self.layers.webhooks.get(webhook_endpoint_id=created["id"])["events"], ["lease_request.assigned"])
        updated = self.layers.webhooks.update(webhook_endpoint_id=created["id"], events=["post.published", "post.failed"])
        self.assertEqual(updated["events"], ["post.published", "post.failed"])
        listed = [e for e in self.layers.webhooks.list(limit=200)["items"] if e["id"] == created["id"]]
        self.assertEqual(listed[0]["events"], ["post.published", "post.failed"])
        # The typed method refuses the old name before sending; the untyped request() lets the server say it.
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'event_types'"):
            self.layers.webhooks.create(url="http://127.0.0.1:9/sdk-py", event_types=["*"])  # type: ignore[call-arg]
        with self.assertRaises(ValidationError) as old:
            self.layers.request("createWebhookEndpoint", url="http://127.0.0.1:9/sdk-py", event_types=["*"])
        self.assertEqual(old.exception.status, 422)
        self.assertIn("eventTypes", [i["path"] for i in old.exception.issues])
        self.assertTrue(self.layers.webhooks.delete(webhook_endpoint_id=created["id"])["deleted"])

    def test_idempotent_replay_with_a_callers_key(self):
        account = FIXTURES["idempotencyAccountId"]
        first = self.layers.social.revoke(social_account_id=account, idempotency_key=f"py-{account}")
        again = self.layers.social.revoke(social_account_id=account, idempotency_key=f"py-{account}")
        self.assertEqual(again, first)
        self.assertEqual(first["canceledScheduledPosts"], 2)
        with self.assertRaises(NotFoundError):
            self.layers.social.revoke(social_account_id=account)  # a fresh key: the revoke really ran once

    def test_real_429_is_waited_out(self):
        client = Layers(api_key=FIXTURES["standardKey"], base_url=FIXTURES["baseUrl"])
        for _ in range(60):  # the standard tier's 60 writes a minute, spent on 404s (they cost the same as a 200)
            with self.assertRaises(NotFoundError):
                client.social.revoke(social_account_id=f"sa_{uuid.uuid4()}", max_retries=0)
        with self.assertRaises(RateLimitError) as limited:
            client.social.revoke(social_account_id=FIXTURES["rateAccountId"], max_retries=0)
        self.assertTrue(1 <= limited.exception.retry_after <= 60, limited.exception.retry_after)
        started = time.monotonic()
        with self.assertLogs("layers", "INFO") as logs:
            result = client.social.revoke(social_account_id=FIXTURES["rateAccountId"])
        self.assertEqual(result["canceledScheduledPosts"], 3)
        self.assertEqual(len(logs.output), 1, logs.output)
        self.assertIn("after 429 RATE_LIMITED", logs.output[0])
        waited = float(re.search(r"in ([\d.]+) s", logs.output[0]).group(1))
        self.assertGreaterEqual(waited, 1.0)
        self.assertGreaterEqual(time.monotonic() - started, waited)

    def test_injected_500_is_retried_and_the_revoke_runs_once(self):
        fault = FIXTURES["fault"]
        client = Layers(api_key=fault["apiKey"], base_url=fault["baseUrl"])
        with self.assertRaises(InternalServerError) as failed:  # fault 1 of 2
            client.social.revoke(social_account_id=fault["accountId"], max_retries=0)
        self.assertEqual((failed.exception.status, failed.exception.code), (500, "INTERNAL"))
        self.assertEqual(client.social.get(social_account_id=fault["accountId"])["queuedScheduledPosts"], 5, "rolled back")
        with self.assertLogs("layers", "INFO") as logs:  # fault 2 of 2, then the retry
            result = client.social.revoke(social_account_id=fault["accountId"])
        self.assertEqual((result["status"], result["canceledScheduledPosts"]), ("disconnected", 5))
        self.assertEqual(len(logs.output), 1, logs.output)
        self.assertIn("after 500 INTERNAL", logs.output[0])
        with self.assertRaises(NotFoundError):
            client.social.revoke(social_account_id=fault["accountId"])


if __name__ == "__main__":
    unittest.main()
