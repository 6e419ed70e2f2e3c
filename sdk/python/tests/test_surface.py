"""The Python SDK's surface against openapi/openapi.json: one method per operationId, one class per error code."""

import inspect
import json
import re
import unittest

import layers
from layers import ERROR_CLASSES, OPERATION_METHODS, Layers, LayersError
from layers._operations import OPERATIONS
from layers.errors import error_from_response

from .support import ScriptedServer, load_openapi


class SurfaceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = load_openapi()
        cls.ops = {op["operationId"]: (method.upper(), path)
                   for path, methods in cls.doc["paths"].items() for method, op in methods.items()}

    def test_every_operation_has_exactly_one_method(self):
        missing = sorted(set(self.ops) - set(OPERATION_METHODS))
        stale = sorted(set(OPERATION_METHODS) - set(self.ops))
        self.assertEqual(missing, [], "operations without a Python SDK method: add them to layers/_client.py OPERATION_METHODS")
        self.assertEqual(stale, [], "methods for operations the document no longer has")
        names = list(OPERATION_METHODS.values())
        self.assertEqual(len(set(names)), len(names), "two operations share one method")

    def test_generated_table_matches_the_document(self):
        self.assertEqual({k: (v["method"], v["path"]) for k, v in OPERATIONS.items()}, self.ops, "run npm run openapi")

    def test_each_method_sends_its_own_operation(self):
        server = ScriptedServer()
        try:
            client = Layers(api_key="lp_test_x", base_url=server.base_url)
            for operation_id, where in OPERATION_METHODS.items():
                method, template = self.ops[operation_id]
                names = re.findall(r"\{(\w+)\}", template)
                kwargs = {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), n): f"{n}-value" for n in names}
                target = client
                for part in where.split("."):
                    target = getattr(target, part)
                # The typed methods demand their required body fields too: placeholders (the server is scripted).
                for name, param in inspect.signature(target).parameters.items():
                    if param.kind is param.KEYWORD_ONLY and param.default is param.empty and name not in kwargs:
                        kwargs[name] = f"{name}-value"
                server.run([{"status": 200, "body": {}}])
                target(**kwargs)
                self.assertEqual(len(server.seen), 1, where)
                expected = re.sub(r"\{(\w+)\}", lambda m: f"{m.group(1)}-value", template)
                self.assertEqual((server.seen[0]["method"], server.seen[0]["path"]), (method, expected), f"{where} must call {operation_id}")
        finally:
            server.close()

    def test_every_error_code_has_a_class(self):
        codes = self.doc["components"]["schemas"]["ErrorEnvelope"]["properties"]["error"]["properties"]["code"]["enum"]
        self.assertEqual(sorted(ERROR_CLASSES), sorted(codes))
        statuses = {"VALIDATION": 400, "UNAUTHENTICATED": 401, "FORBIDDEN_SCOPE": 403, "RETURN_URL_NOT_ALLOWED": 403,
                    "NOT_FOUND": 404, "CONFLICT": 409, "IDEMPOTENCY_CONFLICT": 409, "PAYLOAD_TOO_LARGE": 413,
                    "RATE_LIMITED": 429, "INTERNAL": 500, "KILL_SWITCH": 503, "NOT_READY": 503,
                    "APPROVAL_REQUIRED": 403, "CONTENT_REJECTED": 409, "PLATFORM_RULE_VIOLATION": 422,
                    "PLATFORM_QUOTA_EXCEEDED": 409, "TEST_MODE_ONLY": 403}
        for code in codes:
            e = error_from_response(statuses[code], {"error": {"code": code, "message": "m", "requestId": "req_1", "details": {"a": 1}}}, {})
            self.assertIsInstance(e, ERROR_CLASSES[code])
            self.assertIsInstance(e, LayersError)
            self.assertEqual((e.code, e.status, e.message, e.request_id, e.details), (code, statuses[code], "m", "req_1", {"a": 1}))

    def test_unknown_codes_and_non_json_bodies_still_get_a_family_class(self):
        e = error_from_response(409, {"error": {"code": "SOMETHING_NEW", "message": "m", "requestId": "r"}}, {})
        self.assertIsInstance(e, layers.ConflictError)
        g = error_from_response(502, "<html>bad gateway</html>", {"x-request-id": "req_H"})
        self.assertIsInstance(g, layers.InternalServerError)
        self.assertEqual((g.code, g.request_id), ("HTTP_502", "req_H"))
        self.assertIn("HTTP_502 (502, request_id=req_H)", str(g))

    def test_arguments(self):
        client = Layers(api_key="k", base_url="http://127.0.0.1:9")
        # The typed methods: Python itself refuses a missing or unknown argument (and so does a type checker).
        with self.assertRaisesRegex(TypeError, r"revoke\(\) missing 1 required keyword-only argument: 'social_account_id'"):
            client.social.revoke()  # type: ignore[call-arg]
        with self.assertRaisesRegex(TypeError, r"whoami\(\) got an unexpected keyword argument 'bogus_field'"):
            client.whoami(bogus_field=1)  # type: ignore[call-arg]
        # The untyped layers.request(operationId, ...) checks them itself.
        with self.assertRaisesRegex(TypeError, r"revoke\(\) needs social_account_id="):
            client.request("revokeSocialAccount")
        with self.assertRaisesRegex(TypeError, r"unexpected argument\(s\): bogus_field"):
            client.request("whoami", bogus_field=1)
        with self.assertRaisesRegex(TypeError, "LAYERS_API_KEY"):
            import os
            saved = os.environ.pop("LAYERS_API_KEY", None)
            try:
                Layers(base_url="http://x")
            finally:
                if saved is not None:
                    os.environ["LAYERS_API_KEY"] = saved
        self.assertEqual(json.loads(json.dumps(layers.to_camel("social_account_id"))), "socialAccountId")


if __name__ == "__main__":
    unittest.main()
