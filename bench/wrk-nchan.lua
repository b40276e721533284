-- wrk: raw POSTs to nchan's publisher location; the body is delivered verbatim as the
-- event data, so it is about the size of proof's signup frame.
wrk.method = "POST"
wrk.body = "api_key=KEY&user_name=Jane&offer_name=Newsletter&img_path="
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
