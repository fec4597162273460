-- Numbers wrk's threads 1, 2, ...: each script's init() reads `id`.
local n = 0
function setup(thread)
	n = n + 1
	thread:set("id", n)
end
