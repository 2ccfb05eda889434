-- POST /v1/auth/login as random seeded declarers with their (correct) password; counts the
-- answers' status codes (200 logged in, 503 hashing saturated, 429 throttled).
-- usage: wrk -s login.lua http://HOST:PORT -- USER_NUMBERS_FILE PASSWORD
dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")

local bodies = {}
local headers = {["Content-Type"] = "application/json"}

function init(args)
  seed_random()
  local password = json_string(args[2])
  for i, user in ipairs(read_lines(args[1])) do
    bodies[i] = '{"user_number": "' .. user .. '", "password": ' .. password .. "}"
  end
end

function request()
  return wrk.format("POST", "/v1/auth/login", headers, bodies[math.random(#bodies)])
end

function response(status, _headers, _body)
  count_status(status)
end
