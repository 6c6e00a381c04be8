-- Paces each wrk connection: with -c10 and a 10 ms delay, about 1,000 req/s.
function delay()
  return 10
end
