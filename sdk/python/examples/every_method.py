"""Every method of the Python SDK, as a partner's code calls it: type-checked in CI by pyright in
strict mode (test/sdk/python-types.test.ts), so a signature or a result type that drifts from the
API shows up as an error here. Run against a server: LAYERS_API_KEY=... LAYERS_BASE_URL=... python3 every_method.py
"""

from typing import List, Optional

from layers import (
    ApprovalRequiredError,
    ContentRejectedError,
    Layers,
    LayersError,
    ListPage,
    NotFoundError,
    ResponseInfo,
    ValidationError,
    WebhookEvent,
    WebhookSignatureError,
    response_of,
    verify_webhook,
)
from layers.types import Project, ScheduledPost, SocialAccountSummary


def projects(layers: Layers) -> Project:
    project = layers.projects.create(name="Acme", timezone="Europe/Paris", customer_external_id="crm-1",
                                     metadata={"plan": "pro"}, idempotency_key="create-acme")
    info: ResponseInfo = response_of(project)
    print(info.request_id, info.status, info.rate_limit.remaining if info.rate_limit else None)
    page: ListPage[Project] = layers.projects.list(status="active", limit=10)
    first: Optional[Project] = page.data[0] if page.data else None
    print(first["name"] if first else "-", page.next_cursor)
    for p in layers.projects.list(customer_external_id="crm-1").auto_paging_iter():
        print(p["id"], p["status"])
    layers.projects.get(project_id=project["id"])
    layers.projects.update(project_id=project["id"], name="Acme Inc", status="active")
    archived = layers.projects.archive(project_id=project["id"])
    print(archived["canceledScheduledPosts"])
    return project


def social(layers: Layers, project_id: str) -> None:
    accounts: List[SocialAccountSummary] = list(layers.social.list(project_id=project_id, leased=True).auto_paging_iter())
    for account in accounts:
        print(account["socialAccountId"], account["handle"], account["status"])
    account = layers.social.get(social_account_id=accounts[0]["socialAccountId"])
    print(account["platform"])
    quota = layers.social.get_quota(social_account_id=account["socialAccountId"])
    print(quota["limit"], quota["current"]["remaining"], quota["nextFreeSlot"])
    faults = layers.social.set_test_faults(
        social_account_id=account["socialAccountId"],
        faults=[{"fault": "rate_limited", "count": 2, "retryAfterSeconds": 120}],
    )
    print([f["remaining"] for f in layers.social.get_test_faults(social_account_id=faults["socialAccountId"])["faults"]])
    print(layers.social.clear_test_faults(social_account_id=faults["socialAccountId"])["faults"])
    revoked = layers.social.revoke(social_account_id=account["socialAccountId"])
    print(revoked["canceledScheduledPosts"], response_of(revoked).request_id)
    url = layers.social.oauth_url(project_id=project_id, platform="tiktok", return_url="https://app.example.com/done")
    status = layers.social.oauth_status(state=url["state"])
    print(status["status"])
    layers.social.reauth_url(project_id=project_id, social_account_id=account["socialAccountId"],
                             return_url="https://app.example.com/done")


def leased(layers: Layers, project_id: str) -> None:
    request = layers.leased_accounts.request(project_id=project_id, count=2, niche={"vertical": "fitness", "geo": "US"})
    layers.leased_accounts.get_request(project_id=project_id, request_id=request["requestId"])
    for lease in layers.leased_accounts.list(project_id=project_id, status="assigned").auto_paging_iter():
        released = layers.leased_accounts.release(social_account_id=lease["socialAccountId"], reason="churned")
        print(released["canceledScheduledPosts"])


def content(layers: Layers, project_id: str, account_id: str) -> None:
    container = layers.content.upload(project_id=project_id, media=["https://cdn.example.com/a.mp4"], caption="Hi")
    layers.content.get(container_id=container["id"])
    for c in layers.content.list(project_id=project_id).auto_paging_iter():
        print(c["id"])
    checked = layers.content.validate(container_id=container["id"], targets=[{"socialAccountId": account_id, "mode": "publish"}])
    for target in checked["targets"]:
        print(target["rulesVersion"], [issue["code"] for issue in target["issues"]])
    dry = layers.content.schedule(container_id=container["id"], scheduled_for="2030-01-01T09:00:00Z",
                                  targets=[{"socialAccountId": account_id, "mode": "publish"}], dry_run=True)
    print(dry)
    created = layers.content.schedule(container_id=container["id"], scheduled_for="2030-01-01T09:00:00Z",
                                      targets=[{"socialAccountId": account_id, "mode": "publish"}])
    layers.content.publish(container_id=container["id"], targets=[{"socialAccountId": account_id, "mode": "draft"}])
    if "gateStatus" in created:  # 202: the content waits for approval; queued when it is approved
        print(created["scheduleIntentId"], created["targets"][0]["socialAccountId"])
        return
    post_id = created["scheduledPosts"][0]["id"]
    post: ScheduledPost = layers.scheduled_posts.get(id=post_id)
    print(post["status"])
    for p in layers.scheduled_posts.list(project_id=project_id, status=["queued", "failed"]).auto_paging_iter():
        print(p["scheduledFor"])
    layers.scheduled_posts.reschedule(id=post_id, scheduled_for="2030-01-02T09:00:00Z")
    layers.scheduled_posts.cancel(id=post_id)


def approval(layers: Layers, project_id: str, account_id: str) -> None:
    policy = layers.projects.update_approval_policy(project_id=project_id, requires_approval=True, first_n_posts_blocked=3)
    print(layers.projects.get_approval_policy(project_id=project_id)["firstNPostsBlocked"], policy["requiresApproval"])
    container = layers.content.upload(project_id=project_id, media=["https://cdn.example.com/a.mp4"])
    print(container["approvalStatus"])
    try:
        layers.content.publish(container_id=container["id"], targets=[{"socialAccountId": account_id, "mode": "publish"}])
    except ApprovalRequiredError as e:
        print(e.code, e.request_id)
    approved = layers.content.approve(container_id=container["id"], note="Client said yes")
    for post in approved["pendingSchedulePromotion"]["scheduledPosts"]:
        print(post["id"], post["scheduleIntentId"])
    for failed in approved["pendingSchedulePromotion"]["failedTargets"]:
        print(failed["socialAccountId"], failed["reason"], failed.get("accountStatus"))
    other = layers.content.upload(project_id=project_id, media=["https://cdn.example.com/b.mp4"])
    rejected = layers.content.reject(container_id=other["id"], reason="Off brand")
    print(rejected["rejectionReason"], rejected["droppedScheduleIntents"])
    try:
        layers.content.schedule(container_id=other["id"], scheduled_for="2030-01-01T09:00:00Z",
                                targets=[{"socialAccountId": account_id, "mode": "publish"}])
    except ContentRejectedError as e:
        print(e.reason, e.details)


def webhooks(layers: Layers) -> None:
    endpoint = layers.webhooks.create(url="https://hooks.example.com/layers", events=["social_account.revoked"])
    secret: str = endpoint["secret"]
    layers.webhooks.get(webhook_endpoint_id=endpoint["id"])
    layers.webhooks.update(webhook_endpoint_id=endpoint["id"], events=["*"])
    for e in layers.webhooks.list().auto_paging_iter():
        print(e["url"])
    rotated = layers.webhooks.rotate_secret(webhook_endpoint_id=endpoint["id"])
    delivery = layers.webhooks.test(webhook_endpoint_id=endpoint["id"])
    for d in layers.webhooks.list_deliveries(webhook_endpoint_id=endpoint["id"], status="failed").auto_paging_iter():
        print(d["id"])
    layers.webhooks.replay_delivery(webhook_delivery_id=delivery["id"])
    layers.webhooks.delete(webhook_endpoint_id=endpoint["id"])
    body, header = b'{"id":"evt_1"}', "t=1,v1=00"
    try:
        event: WebhookEvent = layers.webhooks.verify(body, header, [rotated["secret"], secret], tolerance_seconds=300)
        print(event["type"], event["data"], event.get("replayOf"))
        verify_webhook(body.decode(), header, secret)
    except WebhookSignatureError as e:
        print(e.reason)


def account(layers: Layers) -> None:
    me = layers.whoami()
    print(me["organizationId"], me["env"])
    for entry in layers.audit_log.list(event_type="social_account.revoked", since="2026-01-01T00:00:00Z").auto_paging_iter():
        print(entry["eventType"], entry["requestId"])
    created = layers.api_keys.create(org_id=me["organizationId"], name="Reporting", scopes=["projects:read"], env="test")
    print(created["key"], created["masked"])  # the key is shown only here: store it now
    for key in layers.api_keys.list(org_id=me["organizationId"]).auto_paging_iter():
        print(key["masked"], key["status"], key["expiresAt"])
    rotated = layers.api_keys.rotate(key_id=created["apiKeyId"], grace_seconds=3600, idempotency_key="rotate-1")
    print(rotated["key"], rotated["previousKeyExpiresAt"])
    layers.api_keys.revoke(org_id=me["organizationId"], key_id=rotated["apiKeyId"])
    child = layers.organizations.create(name="Brightside Coffee", metadata={"crmId": "cus_4821"})
    layers.organizations.update(org_id=child["id"], metadata={"crmId": None, "region": "us-east"})
    print(layers.organizations.get(org_id=child["id"])["metadata"])
    for org in layers.organizations.list(status="active").auto_paging_iter():
        print(org["id"], org["name"], org["status"])
    layers.organizations.suspend(org_id=child["id"])  # its keys answer 503 KILL_SWITCH, its posts hold
    layers.organizations.resume(org_id=child["id"])
    archived = layers.organizations.archive(org_id=child["id"])  # final: its keys revoked, its posts canceled
    print(archived["revokedApiKeys"], archived["canceledScheduledPosts"])
    layers.api_keys.kill(key_id=me["apiKeyId"])


def main() -> None:
    layers = Layers(max_retries=3, timeout=30.0)  # LAYERS_API_KEY, LAYERS_BASE_URL
    try:
        project = projects(layers)
        social(layers, project["id"])
        leased(layers, project["id"])
        content(layers, project["id"], "sa_...")
        approval(layers, project["id"], "sa_...")
        webhooks(layers)
        account(layers)
    except ValidationError as e:
        print(str(e), [issue["path"] for issue in e.issues])
    except NotFoundError as e:
        print(e.request_id)
    except LayersError as e:
        print(e.code, e.status, e.message, e.request_id)


if __name__ == "__main__":
    main()
