-- wrk cross-check of meridian-loadgen's single-key PATCH: writes one attribute of one org with a
-- 200-byte string value. Env: MERIDIAN_ORG, MERIDIAN_KEY (write scope), MERIDIAN_ATTR (default k0).
wrk.method = "PATCH"
wrk.path = "/organizations/attributes/end_user_read_write"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("MERIDIAN_KEY"), "set MERIDIAN_KEY")
wrk.headers["SlashID-OrgID"] = assert(os.getenv("MERIDIAN_ORG"), "set MERIDIAN_ORG")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"' .. (os.getenv("MERIDIAN_ATTR") or "k0") .. '":"' .. string.rep("v", 200) .. '"}'
