"""Member and ads resources: me, adAccountUsers, adAccounts, organizationAcls, campaigns, creatives."""

from .base import ApiError, batch_envelope, cursor_page, id_list, offset_page, urn_id
from .restli import parse_key, project

ACCOUNT_URN = "urn:li:sponsoredAccount:{}"


def member_of(emu, req):
    return emu.data.members[req.member]


def accessible_account(emu, req, account_id):
    """The account dict if the member holds a role on it: 404 when unknown, 403 without a role."""
    account = emu.data.account(account_id)
    if account is None:
        raise ApiError(404, f"Ad account {account_id} not found")
    if account["id"] not in member_of(emu, req)["roles"]:
        raise ApiError(403, f"Member has no role on ad account {account_id}", service_code=100)
    return account


def me(emu, req):
    member = member_of(emu, req)
    locale = {"country": "US", "language": "en"}
    entity = {
        "id": member["id"], "localizedFirstName": member["localizedFirstName"],
        "localizedLastName": member["localizedLastName"],
        "firstName": {"localized": {"en_US": member["localizedFirstName"]}, "preferredLocale": locale},
        "lastName": {"localized": {"en_US": member["localizedLastName"]}, "preferredLocale": locale},
    }  # fmt: skip
    return project(entity, req.params.get("fields"))


def _account_user(account, member, role):
    created = account["created"]
    return {
        "account": ACCOUNT_URN.format(account["id"]), "user": member["urn"], "role": role,
        "changeAuditStamps": {"created": {"actor": "urn:li:unknown:0", "time": created},
                              "lastModified": {"actor": "urn:li:unknown:0", "time": created}},
        "version": {"versionTag": "1"},
    }  # fmt: skip


def ad_account_users(emu, req, key=None):
    data, fields = emu.data, req.params.get("fields")
    if key is not None:
        compound = parse_key(key)
        if not isinstance(compound, dict) or {"account", "user"} - set(compound):
            raise ApiError(400, "Expected a (account:...,user:...) key")
        account = accessible_account(emu, req, urn_id(compound["account"], "sponsoredAccount"))
        member = next((m for m in data.members.values() if m["urn"] == compound["user"]), None)
        if member is None or account["id"] not in member["roles"]:
            raise ApiError(404, "Ad account user not found")
        return project(_account_user(account, member, member["roles"][account["id"]]), fields)
    finder = req.params.get("q")
    if finder == "authenticatedUser":
        member = member_of(emu, req)
        users = [
            _account_user(a, member, member["roles"][a["id"]]) for a in data.accounts if a["id"] in member["roles"]
        ]
    elif finder == "accounts":
        accounts = req.params.get("accounts")
        urns = accounts if isinstance(accounts, list) else [accounts]
        users = []
        for urn in urns:
            account_id = urn_id(urn, "sponsoredAccount")
            if not account_id.isdigit():
                raise ApiError(400, f"Invalid account id {account_id}")
            account = accessible_account(emu, req, account_id)
            users += [_account_user(account, m, m["roles"][account["id"]]) for m in data.members.values()
                      if account["id"] in m["roles"]]  # fmt: skip
    else:
        raise ApiError(400, f"Unsupported finder {finder!r}")
    return offset_page(req, project(users, fields))


def account_entity(account, reference_info=False):
    stamps = {"created": {"time": account["created"]}, "lastModified": {"time": account["created"]}}
    entity = {key: account[key] for key in ("id", "name", "currency", "type", "status", "reference", "test")}
    entity.update(
        servingStatuses=["RUNNABLE"] if account["status"] == "ACTIVE" else ["STOPPED"],
        notifiedOnCampaignOptimization=False, notifiedOnCreativeApproval=False, notifiedOnCreativeRejection=False,
        notifiedOnEndOfCampaign=False, notifiedOnNewFeaturesEnabled=False, changeAuditStamps=stamps,
        version={"versionTag": "12"},
    )  # fmt: skip
    if reference_info:
        org = account["organization"]
        entity["referenceInfo"] = {} if org is None else {"organization": {
            "id": org["id"], "localizedName": org["name"], "vanityName": org["vanityName"],
            "name": {"localized": {"en_US": org["name"]}, "preferredLocale": {"country": "US", "language": "en"}},
        }}  # fmt: skip
    return entity


def _matches_search(account, search):
    for key, criterion in search.items():
        if key == "test":
            if str(account["test"]).lower() != str(criterion).lower():
                return False
            continue
        values = criterion.get("values", []) if isinstance(criterion, dict) else []
        if key == "name":
            if not any(v.lower() in account["name"].lower() for v in values):
                return False
        elif key in ("id", "status", "type", "reference", "currency"):
            if str(account[key]) not in [v.removeprefix("urn:li:sponsoredAccount:") if key == "id" else v
                                         for v in values]:  # fmt: skip
                return False
        else:
            raise ApiError(400, f"Unsupported search field {key}")
    return True


def ad_accounts(emu, req, key=None):
    fields = req.params.get("fields")
    reference_info = bool(fields and "referenceInfo" in fields)

    def render(account):
        return project(account_entity(account, reference_info), fields)

    if key is not None:
        return render(accessible_account(emu, req, key))
    roles = member_of(emu, req)["roles"]
    visible = [a for a in emu.data.accounts if a["id"] in roles]
    if "ids" in req.params:
        by_id = {str(a["id"]): a for a in visible}
        return batch_envelope(id_list(req), lambda i: render(by_id[i]) if i in by_id else None)
    if req.params.get("q") != "search":
        raise ApiError(400, "Unsupported finder; use q=search")
    search = req.params.get("search") or {}
    if not isinstance(search, dict):
        raise ApiError(400, "search must be a Rest.li record")
    return cursor_page(req, [a for a in visible if _matches_search(a, search)], render)


def organization_acls(emu, req):
    if req.params.get("q") != "roleAssignee":
        raise ApiError(400, "Unsupported finder; use q=roleAssignee")
    member = member_of(emu, req)
    state, role = req.params.get("state"), req.params.get("role")
    stamp = {"actor": member["urn"], "impersonator": "urn:li:servicePrincipal:organization", "time": emu.data.now_ms}
    acls = [
        {"roleAssignee": member["urn"], "state": "APPROVED", "role": org_role, "created": stamp, "lastModified": stamp,
         "organization": f"urn:li:organization:{org_id}"}
        for org_id, org_role in member["org_roles"]
        if state in (None, "APPROVED") and role in (None, org_role)
    ]  # fmt: skip
    return offset_page(req, project(acls, req.params.get("fields")))


def _nested(emu, req, account_id, items, key):
    account = accessible_account(emu, req, account_id)
    urn, fields = ACCOUNT_URN.format(account["id"]), req.params.get("fields")
    items = [item for item in items if item["account"] == urn]

    def find(ident):
        ident = str(parse_key(ident)) if ident.startswith(("urn", "%")) else ident
        return next((i for i in items if str(i["id"]) == ident or str(i["id"]).endswith(f":{ident}")), None)

    if key is not None:
        item = find(key)
        if item is None:
            raise ApiError(404, f"Entity {key} not found")
        return project(item, fields)
    if "ids" in req.params:
        return batch_envelope(id_list(req), lambda i: project(find(i), fields) if find(i) else None)
    finder = req.params.get("q")
    if finder == "search":
        statuses = ((req.params.get("search") or {}).get("status") or {}).get("values")
        items = [i for i in items if not statuses or i.get("status", i.get("intendedStatus")) in statuses]
    elif finder == "criteria":
        campaigns = req.params.get("campaigns")
        items = [i for i in items if not campaigns or i.get("campaign") in campaigns]
    else:
        raise ApiError(400, f"Unsupported finder {finder!r}")
    return cursor_page(req, project(items, fields))


def ad_campaigns(emu, req, account_id, key=None):
    return _nested(emu, req, account_id, emu.data.campaigns, key)


def ad_campaign_groups(emu, req, account_id, key=None):
    return _nested(emu, req, account_id, emu.data.campaign_groups, key)


def creatives(emu, req, account_id, key=None):
    return _nested(emu, req, account_id, emu.data.creatives, key)
