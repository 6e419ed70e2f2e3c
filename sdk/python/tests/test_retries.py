"""The Python SDK's retry policy, edge by edge, against a scripted loopback server (same cases as TypeScript)."""

import re
import threading
import unittest

from layers import (IdempotencyConflictError, InternalServerError, KillSwitchError, Layers, LayersConnectionError,
                    LayersTimeoutError, NotFoundError, RateLimitError)

from .support import ScriptedServer, err, ok

SA = "sa_9c1e42a0-b7f3-4e5d-a2c1-8b4f5e6c7d8e"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class RetryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ScriptedServer()
        cls.layers = Layers(api_key="lp_test_scripted", base_url=cls.server.base_url + "/", timeout=2.0)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_a_write_reuses_one_generated_key_across_retries_with_backoff(self):
        s = self.server
        s.run([err(500, "INTERNAL"), "reset", ok({"canceledScheduledPosts": 4})])
        with self.assertLogs("layers", "INFO") as logs:
            result = self.layers.social.revoke(social_account_id=SA)
        self.assertEqual(result, {"canceledScheduledPosts": 4})
        self.assertEqual(len(s.seen), 3)
        self.assertRegex(s.keys()[0], UUID4)
        self.assertEqual(len(set(s.keys())), 1, s.keys())
        self.assertGreaterEqual(s.seen[1]["at"] - s.seen[0]["at"], 0.35)
        self.assertGreaterEqual(s.seen[2]["at"] - s.seen[1]["at"], 0.7)
        self.assertEqual((s.seen[0]["method"], s.seen[0]["path"]), ("DELETE", f"/v1/social-accounts/{SA}"))
        self.assertEqual(s.seen[0]["headers"]["Authorization"], "Bearer lp_test_scripted")
        self.assertTrue(s.seen[0]["headers"]["User-Agent"].startswith("layers-sdk-python/"))
        self.assertEqual(len(logs.records), 2)
        self.assertIn("after 500 INTERNAL", logs.output[0])
        self.assertNotIn("lp_test_scripted", "".join(logs.output), "the API key is never logged")
        first = s.keys()[0]
        s.run([ok()])
        self.layers.social.revoke(social_account_id=SA)
        self.assertNotEqual(s.keys()[0], first, "each call gets its own key")

    def test_caller_key_wins_gets_carry_none_and_max_retries_zero(self):
        s = self.server
        s.run([err(503, "INTERNAL"), ok()])
        self.layers.projects.create(name="P", timezone="UTC", customer_external_id="c-1", idempotency_key="my-key-1")
        self.assertEqual(s.keys(), ["my-key-1", "my-key-1"])
        self.assertEqual(s.seen[0]["body"], '{"name": "P", "timezone": "UTC", "customerExternalId": "c-1"}')
        self.assertEqual(s.seen[0]["headers"]["Content-Type"], "application/json")

        s.run([ok({"items": [], "nextCursor": None})])
        self.layers.social.list(project_id="prj_1", leased=True, limit=5)
        self.assertEqual(s.keys(), [None])
        self.assertEqual(s.seen[0]["path"], "/v1/projects/prj_1/social-accounts?leased=true&limit=5")

        s.run([err(500, "INTERNAL")])
        with self.assertRaises(InternalServerError) as ctx:
            self.layers.whoami(max_retries=0)
        e = ctx.exception
        self.assertEqual((e.code, e.status, e.request_id, len(s.seen)), ("INTERNAL", 500, "req_SCRIPTED", 1))

    def test_429_waits_retry_after_and_409_in_progress_is_retried(self):
        s = self.server
        s.run([err(429, "RATE_LIMITED", {"retryAfterSeconds": 1}, {"Retry-After": "1"}), ok()])
        self.layers.social.revoke(social_account_id=SA)
        self.assertEqual(len(s.seen), 2)
        self.assertGreaterEqual(s.seen[1]["at"] - s.seen[0]["at"], 1.0)

        s.run([err(409, "IDEMPOTENCY_CONFLICT", {"reason": "in_progress"}, {"Retry-After": "1"}), ok({"replayed": True})])
        self.assertEqual(self.layers.social.revoke(social_account_id=SA, idempotency_key="k-in-progress"), {"replayed": True})
        self.assertEqual(s.keys(), ["k-in-progress", "k-in-progress"])

        s.run([err(409, "IDEMPOTENCY_CONFLICT", {"reason": "different_request"})])
        with self.assertRaises(IdempotencyConflictError) as ctx:
            self.layers.social.revoke(social_account_id=SA)
        self.assertEqual((ctx.exception.reason, len(s.seen)), ("different_request", 1))

    def test_never_retried_kill_switch_4xx_or_long_retry_after(self):
        s = self.server
        s.run([err(503, "KILL_SWITCH", {"scope": "organization"})])
        with self.assertRaises(KillSwitchError) as ctx:
            self.layers.whoami()
        self.assertEqual((ctx.exception.scope, len(s.seen)), ("organization", 1))

        s.run([err(404, "NOT_FOUND")])
        with self.assertRaises(NotFoundError):
            self.layers.social.get(social_account_id=SA)
        self.assertEqual(len(s.seen), 1)

        s.run([err(429, "RATE_LIMITED", None, {"Retry-After": "3600"})])
        with self.assertRaises(RateLimitError) as ctx:
            self.layers.social.revoke(social_account_id=SA)
        self.assertEqual((ctx.exception.retry_after, len(s.seen)), (3600.0, 1))

    def test_timeouts_and_connection_failures(self):
        s = self.server
        s.run(["hang", ok({"second": True})])
        self.assertEqual(self.layers.whoami(timeout=0.3), {"second": True})
        self.assertEqual(len(s.seen), 2)

        s.run(["hang", "hang"])
        with self.assertRaises(LayersTimeoutError) as ctx:
            self.layers.whoami(timeout=0.2, max_retries=1)
        self.assertEqual((ctx.exception.status, ctx.exception.code), (0, "TIMEOUT"))

        unreachable = Layers(api_key="k", base_url="http://127.0.0.1:9", max_retries=1)
        with self.assertRaises(LayersConnectionError) as ctx:
            unreachable.whoami()
        self.assertNotIsInstance(ctx.exception, LayersTimeoutError)
        self.assertEqual(ctx.exception.code, "CONNECTION_ERROR")

    def test_a_gateway_502_page_is_typed_and_retried(self):
        s = self.server
        s.run([{"status": 502}, {"status": 502}, {"status": 502}])
        with self.assertRaises(InternalServerError) as ctx:
            self.layers.whoami()
        self.assertEqual((ctx.exception.code, ctx.exception.request_id, len(s.seen)), ("HTTP_502", "req_HEADER", 3))

    def test_clients_are_safe_to_share_between_threads(self):
        self.server.run([ok({"n": i}) for i in range(8)])
        results = []
        threads = [threading.Thread(target=lambda: results.append(self.layers.whoami())) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 8)


if __name__ == "__main__":
    unittest.main()
