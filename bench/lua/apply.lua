-- POST /v1/declarations: one-star applications of new corporations, each with a fresh
-- corporate number (valid check digit) and a password to hash; counts the answers' status
-- codes (201 created, 503 hashing saturated, 409 a corporate number already declared).
-- usage: wrk -s apply.lua http://HOST:PORT
dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")

local headers = {["Content-Type"] = "application/json"}
local counter = 0
local industries = "ABCDEFGHIJKLMNOPQRST"
local words = {"建設", "工業", "システム", "商事", "精機", "運輸", "食品", "設計", "印刷", "電機"}

-- 法人番号: the leading check digit is 9 - (Σ P(n)·Q(n) mod 9), n counted from the right of the
-- 12-digit base, Q(n) = 1 for odd n and 2 for even n.
local function corporate_number()
  local digits = {}
  for i = 1, 12 do digits[i] = math.random(0, 9) end
  digits[1] = math.random(1, 9)
  local sum = 0
  for n = 1, 12 do
    local p = digits[13 - n]
    sum = sum + p * ((n % 2 == 1) and 1 or 2)
  end
  return tostring(9 - sum % 9) .. table.concat(digits)
end

local function pick_industry()
  local k = math.random(#industries)
  return industries:sub(k, k)
end

function init(_args)
  seed_random()
end

function request()
  counter = counter + 1
  local word = words[math.random(#words)]
  local body = string.format(
    '{"organization": {"name": "株式会社ベンチ%s%d%d", "organization_type": "corporation", ' ..
    '"corporate_number": "%s", "prefecture": "%02d", "address": "東京都文京区本駒込2-28-8", ' ..
    '"industry": "%s", "employees": %d}, ' ..
    '"contact": {"name": "情報 太郎", "email": "bench-%d-%d@example.com"}, ' ..
    '"star": "one_star", "pledge": {"five_principles": true}, ' ..
    '"purposes": ["subsidy_application"], "agreed_terms_version": "2018-07-03", ' ..
    '"password": "bench application passphrase %d"}',
    word, tid or 0, counter, corporate_number(), math.random(1, 47),
    pick_industry(), math.random(1, 300),
    tid or 0, counter, math.random(1000, 9999))
  return wrk.format("POST", "/v1/declarations", headers, body)
end

function response(status, _headers, _body)
  count_status(status)
end
