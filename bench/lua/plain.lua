-- A plain GET of the URL given to wrk (e.g. /healthz), reported by common.lua's done().
-- usage: wrk -s plain.lua http://HOST:PORT/healthz
dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
