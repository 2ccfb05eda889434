-- GET /v1/verifications/{id}?corporate_number=…&organization_name=… over random existing
-- declarations, as a subsidy portal asks while an applicant types.
-- usage: wrk -s verify.lua http://HOST:PORT -- IDS_TSV TOKEN [skewed]
-- With "skewed", 80 % of the calls ask for the first 5 % of the IDs (the file is in random
-- order) and the rest for the others, as when a few applicants are checked again and again.
dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")

local paths = {}
local headers = {}
local hot = 0

function init(args)
  seed_random()
  local lines = read_lines(args[1])
  headers["Authorization"] = "Bearer " .. args[2]
  headers["Accept"] = "application/json"
  -- Build every path once, so request() costs a table index and wrk stays cheap.
  for i, line in ipairs(lines) do
    local id, corporate, name = split_tsv(line)
    local query = {}
    if corporate ~= "" then query[#query + 1] = "corporate_number=" .. corporate end
    if name ~= "" then query[#query + 1] = "organization_name=" .. urlencode(name) end
    local path = "/v1/verifications/" .. id
    if #query > 0 then path = path .. "?" .. table.concat(query, "&") end
    paths[i] = path
  end
  if args[3] == "skewed" then hot = math.max(1, math.floor(#paths * 0.05)) end
end

function request()
  local i
  if hot == 0 then
    i = math.random(#paths)
  elseif math.random() < 0.8 then
    i = math.random(hot)
  else
    i = hot + math.random(math.max(1, #paths - hot))
  end
  return wrk.format("GET", paths[math.min(i, #paths)], headers)
end
