-- wrk cross-check of meridian-loadgen's single-key GET: reads one attribute of one org.
-- Env: MERIDIAN_ORG (org id), MERIDIAN_KEY (API key with read scope), MERIDIAN_ATTR (default k0).
wrk.method = "GET"
wrk.path = "/organizations/attributes/end_user_read_write?attributes=" .. (os.getenv("MERIDIAN_ATTR") or "k0")
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("MERIDIAN_KEY"), "set MERIDIAN_KEY")
wrk.headers["SlashID-OrgID"] = assert(os.getenv("MERIDIAN_ORG"), "set MERIDIAN_ORG")
