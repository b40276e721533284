-- wrk: seed-style signups to proof's POST /signup, the key in the form body.
-- The key comes from the environment (run.py sets PROOF_BENCH_KEY), defaulting to "KEY".
local key = os.getenv("PROOF_BENCH_KEY") or "KEY"
wrk.method = "POST"
wrk.body = "api_key=" .. key .. "&user_name=Jane&offer_name=Newsletter&img_path="
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
