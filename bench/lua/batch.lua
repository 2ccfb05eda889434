-- POST /v1/verifications/batch with SIZE random existing declarations per call (default 1000),
-- each with its corporate number and organisation name.
-- usage: wrk -s batch.lua http://HOST:PORT -- IDS_TSV TOKEN [SIZE]
dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")

local items = {}
local size = 1000
local headers = {}

function init(args)
  seed_random()
  for i, line in ipairs(read_lines(args[1])) do
    local id, corporate, name = split_tsv(line)
    local item = '{"declaration_id": "' .. id .. '"'
    if corporate ~= "" then item = item .. ', "corporate_number": "' .. corporate .. '"' end
    if name ~= "" then item = item .. ', "organization_name": ' .. json_string(name) end
    items[i] = item .. "}"
  end
  headers["Authorization"] = "Bearer " .. args[2]
  headers["Content-Type"] = "application/json"
  size = tonumber(args[3] or "1000")
end

function request()
  local picked = {}
  for i = 1, size do picked[i] = items[math.random(#items)] end
  return wrk.format("POST", "/v1/verifications/batch", headers,
    '{"items": [' .. table.concat(picked, ", ") .. "]}")
end

function response(status, _headers, _body)
  count_status(status)
end
