/* market.c — the simulated KRX: a universe of real codes, a deterministic
 * seeded price process per (seed, code, day, minute), and daily bars.
 *
 * Every trading day from SIM_HIST_FIRST is generated once at start: the open
 * gaps from the previous close, then a minute random walk runs to 15:30,
 * clamped to the +-30 % limits and snapped to ticks. The day's bar is the
 * path's open/high/low/close, so history and today's quote always agree.
 * Paths are not stored (1,200 days x 390 minutes x 40 codes); the one a
 * quote needs is recomputed (~400 steps) and cached per code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "sim.h"

typedef struct uni_row {
	const char *code, *name, *market, *sector;
	int64_t base;
} uni_row;

static const uni_row universe[] = {
    {"005930", "삼성전자", "KOSPI", "전기.전자", 72000},
    {"000660", "SK하이닉스", "KOSPI", "전기.전자", 180000},
    {"373220", "LG에너지솔루션", "KOSPI", "전기.전자", 380000},
    {"207940", "삼성바이오로직스", "KOSPI", "의약품", 800000},
    {"005380", "현대차", "KOSPI", "운수장비", 210000},
    {"000270", "기아", "KOSPI", "운수장비", 95000},
    {"068270", "셀트리온", "KOSPI", "의약품", 180000},
    {"005490", "POSCO홀딩스", "KOSPI", "철강금속", 380000},
    {"035420", "NAVER", "KOSPI", "서비스업", 190000},
    {"035720", "카카오", "KOSPI", "서비스업", 45000},
    {"051910", "LG화학", "KOSPI", "화학", 380000},
    {"006400", "삼성SDI", "KOSPI", "전기.전자", 350000},
    {"105560", "KB금융", "KOSPI", "금융업", 65000},
    {"055550", "신한지주", "KOSPI", "금융업", 45000},
    {"012330", "현대모비스", "KOSPI", "운수장비", 230000},
    {"028260", "삼성물산", "KOSPI", "유통업", 130000},
    {"066570", "LG전자", "KOSPI", "전기.전자", 95000},
    {"003550", "LG", "KOSPI", "기타금융", 80000},
    {"032830", "삼성생명", "KOSPI", "보험", 80000},
    {"096770", "SK이노베이션", "KOSPI", "화학", 120000},
    {"017670", "SK텔레콤", "KOSPI", "통신업", 52000},
    {"030200", "KT", "KOSPI", "통신업", 38000},
    {"034730", "SK", "KOSPI", "기타금융", 170000},
    {"015760", "한국전력", "KOSPI", "전기가스업", 21000},
    {"086790", "하나금융지주", "KOSPI", "금융업", 55000},
    {"009150", "삼성전기", "KOSPI", "전기.전자", 140000},
    {"018260", "삼성에스디에스", "KOSPI", "서비스업", 160000},
    {"003670", "포스코퓨처엠", "KOSPI", "화학", 280000},
    {"010950", "S-Oil", "KOSPI", "화학", 70000},
    {"011200", "HMM", "KOSPI", "운수창고업", 18000},
    {"034020", "두산에너빌리티", "KOSPI", "기계", 19000},
    {"003490", "대한항공", "KOSPI", "운수창고업", 22000},
    {"251270", "넷마블", "KOSPI", "서비스업", 55000},
    {"247540", "에코프로비엠", "KOSDAQ", "일반전기전자", 240000},
    {"086520", "에코프로", "KOSDAQ", "금융", 95000},
    {"196170", "알테오젠", "KOSDAQ", "제약", 200000},
    {"028300", "HLB", "KOSDAQ", "기타서비스", 60000},
    {"263750", "펄어비스", "KOSDAQ", "디지털컨텐츠", 38000},
    {"293490", "카카오게임즈", "KOSDAQ", "디지털컨텐츠", 21000},
    {"035900", "JYP Ent.", "KOSDAQ", "오락.문화", 68000},
    {"041510", "에스엠", "KOSDAQ", "오락.문화", 80000},
    {"042700", "한미반도체", "KOSPI", "기계", 95000},
    {"003280", "흥아해운", "KOSPI", "운수창고업", 1800},
    {"000810", "삼성화재", "KOSPI", "보험", 300000},
    {"259960", "크래프톤", "KOSPI", "서비스업", 250000},
    {"352820", "하이브", "KOSPI", "서비스업", 200000},
    {"011170", "롯데케미칼", "KOSPI", "화학", 100000},
    {"000720", "현대건설", "KOSPI", "건설업", 33000},
    {"316140", "우리금융지주", "KOSPI", "금융업", 14000},
    {"024110", "기업은행", "KOSPI", "은행", 14000},
};

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

/* Roughly standard-normal from four uniforms (Irwin-Hall, variance 1/3,
 * scaled); keeps the process libm-free and bit-identical across hosts. */
static double gauss(uint64_t *r)
{
	double s = 0;
	for (int i = 0; i < 4; i++) {
		*r = mix64(*r);
		s += (double)(*r >> 11) / 9007199254740992.0;
	}
	return (s - 2.0) * 1.7320508;
}

int sim_session_len(int ymd)
{
	int open = krx_open_hhmmss(ymd);
	int open_min = (open / 10000) * 60 + (open / 100) % 100;
	return (15 * 60 + 30) - open_min + 1;
}

int sim_minute_of(int ymd, int hhmmss)
{
	int open = krx_open_hhmmss(ymd);
	if (hhmmss < open)
		return -1;
	int secs = (hhmmss / 10000) * 3600 + (hhmmss / 100 % 100) * 60 + hhmmss % 100;
	int osecs = (open / 10000) * 3600 + (open / 100 % 100) * 60;
	int m = (secs - osecs) / 60;
	int n = sim_session_len(ymd);
	return m >= n ? n - 1 : m;
}

static int64_t snap(double p, int64_t lo, int64_t hi)
{
	int64_t v = krx_tick_floor((int64_t)(p + 0.5));
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return v;
}

/* The minute path of one day from its previous close. */
static int gen_path(uint64_t seed, int si, int64_t base_price, int ymd, int64_t prev_close,
                    int64_t *path)
{
	uint64_t r = mix64(seed * 0x100000001B3ull ^ ((uint64_t)si << 40) ^ (uint64_t)ymd);
	int n = sim_session_len(ymd);
	int64_t hi = krx_upper_limit(prev_close), lo = krx_lower_limit(prev_close);
	/* Pull gently back towards the anchor so prices stay plausible for years. */
	double drift = -0.03 * ((double)prev_close - (double)base_price) / (double)base_price;
	double p = (double)prev_close * (1.0 + drift + 0.008 * gauss(&r));
	if (p < (double)lo)
		p = (double)lo;
	if (p > (double)hi)
		p = (double)hi;
	path[0] = snap(p, lo, hi);
	for (int m = 1; m < n; m++) {
		p *= 1.0 + 0.0011 * gauss(&r);
		if (p < (double)lo)
			p = (double)lo;
		if (p > (double)hi)
			p = (double)hi;
		path[m] = snap(p, lo, hi);
	}
	return n;
}

static uint64_t day_volume(uint64_t seed, int si, int ymd, int64_t price)
{
	uint64_t r = mix64(seed ^ 0xABCDEFull ^ ((uint64_t)si << 32) ^ (uint64_t)ymd * 7919u);
	/* Turnover of a few billion won a day, more for the big names. */
	uint64_t won = 2000000000ull + r % 30000000000ull;
	return price > 0 ? won / (uint64_t)price : 0;
}

int sim_market_init(sim_state *st, char *err, size_t errlen)
{
	int n = (int)(sizeof(universe) / sizeof(universe[0]));
	st->stocks = calloc((size_t)n, sizeof(sim_stock));
	if (!st->stocks) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->nstocks = n;
	int days = 0;
	for (int d = SIM_HIST_FIRST; d <= SIM_HIST_LAST; d = ymd_add_days(d, 1))
		if (krx_is_trading_day(d))
			days++;
	int64_t *path = malloc(sizeof(int64_t) * SIM_MAX_MIN);
	if (!path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		sim_stock *s = &st->stocks[i];
		snprintf(s->code, sizeof(s->code), "%s", universe[i].code);
		s->name = universe[i].name;
		s->market = universe[i].market;
		s->sector = universe[i].sector;
		s->base_price = universe[i].base;
		s->seed = st->cfg.seed;
		s->idx = i;
		s->bars = calloc((size_t)days, sizeof(sim_bar));
		if (!s->bars) {
			free(path);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		int64_t prev = krx_tick_floor(s->base_price);
		int k = 0;
		for (int d = SIM_HIST_FIRST; d <= SIM_HIST_LAST; d = ymd_add_days(d, 1)) {
			if (!krx_is_trading_day(d))
				continue;
			int len = gen_path(st->cfg.seed, i, s->base_price, d, prev, path);
			sim_bar *b = &s->bars[k++];
			b->ymd = d;
			b->o = path[0];
			b->h = b->l = path[0];
			for (int m = 1; m < len; m++) {
				if (path[m] > b->h)
					b->h = path[m];
				if (path[m] < b->l)
					b->l = path[m];
			}
			b->c = path[len - 1];
			b->vol = (int64_t)day_volume(st->cfg.seed, i, d, b->c);
			prev = b->c;
		}
		s->nbars = k;
		s->path_ymd = 0;
	}
	free(path);
	return 0;
}

void sim_market_free(sim_state *st)
{
	for (int i = 0; i < st->nstocks; i++) {
		free(st->stocks[i].bars);
		free(st->stocks[i].pts);
	}
	free(st->stocks);
	st->stocks = NULL;
	st->nstocks = 0;
}

sim_stock *sim_stock_find(sim_state *st, const char *code)
{
	if (!code)
		return NULL;
	/* KIS accepts "A005930" style codes in a few places; strip the prefix. */
	if (code[0] == 'A' && strlen(code) == 7)
		code++;
	for (int i = 0; i < st->nstocks; i++)
		if (strcmp(st->stocks[i].code, code) == 0)
			return &st->stocks[i];
	return NULL;
}

int sim_bar_index(const sim_stock *s, int ymd)
{
	int lo = 0, hi = s->nbars - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (s->bars[mid].ymd == ymd)
			return mid;
		if (s->bars[mid].ymd < ymd)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* The cached path of day ymd; NULL when ymd is not a generated day. */
static const int64_t *path_of(sim_stock *s, int ymd, int *len)
{
	if (s->path_ymd != ymd) {
		int idx = sim_bar_index(s, ymd);
		if (idx <= 0)
			return NULL;
		s->path_len =
		    gen_path(s->seed, s->idx, s->base_price, ymd, s->bars[idx - 1].c, s->path);
		s->path_ymd = ymd;
	}
	*len = s->path_len;
	return s->path;
}

int64_t sim_price_at(sim_stock *s, int ymd, int m)
{
	int len;
	const int64_t *p = path_of(s, ymd, &len);
	if (!p || m < 0)
		return 0;
	if (m >= len)
		m = len - 1;
	if (s->ovr_ymd == ymd && m >= s->ovr_min)
		return s->ovr_price;
	for (int i = s->npts; i-- > 0;) /* the latest point at or before (ymd, m) */
		if (s->pts[i].ymd == ymd && s->pts[i].minute <= m)
			return s->pts[i].price;
		else if (s->pts[i].ymd < ymd)
			break;
	return p[m];
}

static int pt_cmp(const void *a, const void *b)
{
	const sim_path_pt *x = a, *y = b;
	if (x->ymd != y->ymd)
		return x->ymd < y->ymd ? -1 : 1;
	return x->minute < y->minute ? -1 : x->minute > y->minute;
}

int sim_path_set(sim_stock *s, const sim_path_pt *pts, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		int idx = sim_bar_index(s, pts[i].ymd);
		if (idx <= 0) {
			snprintf(err, errlen, "points[%d]: %d is not a trading day of the history",
			         i, pts[i].ymd);
			return -1;
		}
		int64_t base = s->bars[idx - 1].c;
		int64_t lo = krx_lower_limit(base), hi = krx_upper_limit(base);
		if (pts[i].price < lo || pts[i].price > hi || !krx_on_tick(pts[i].price)) {
			snprintf(
			    err, errlen,
			    "points[%d]: price %lld must be on the tick grid within %lld..%lld", i,
			    (long long)pts[i].price, (long long)lo, (long long)hi);
			return -1;
		}
	}
	sim_path_pt *copy = NULL;
	if (n > 0) {
		copy = malloc((size_t)n * sizeof(*copy));
		if (!copy) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(copy, pts, (size_t)n * sizeof(*copy));
		qsort(copy, (size_t)n, sizeof(*copy), pt_cmp);
	}
	free(s->pts);
	s->pts = copy;
	s->npts = n;
	return 0;
}

int sim_quote_get(sim_stock *s, int64_t now_ms, sim_quote *q)
{
	int today = kst_date(now_ms), hms = kst_hhmmss(now_ms);
	memset(q, 0, sizeof(*q));
	int e;
	if (krx_is_trading_day(today) && hms >= krx_open_hhmmss(today)) {
		e = today;
		q->in_session = hms < 153000;
		q->minute = sim_minute_of(today, hms);
	} else {
		e = krx_prev_trading_day(today);
		q->minute = sim_session_len(e) - 1;
	}
	int idx = sim_bar_index(s, e);
	if (idx <= 0)
		return -1;
	int len;
	const int64_t *p = path_of(s, e, &len);
	if (!p)
		return -1;
	q->ymd = e;
	q->oprc = s->npts ? sim_price_at(s, e, 0) : p[0];
	q->hgpr = q->lwpr = q->oprc;
	for (int m = 1; m <= q->minute && m < len; m++) {
		int64_t pm = s->npts ? sim_price_at(s, e, m) : p[m];
		if (pm > q->hgpr)
			q->hgpr = pm;
		if (pm < q->lwpr)
			q->lwpr = pm;
	}
	q->prpr = sim_price_at(s, e, q->minute);
	if (s->ovr_ymd == e && q->minute >= s->ovr_min) {
		if (s->ovr_hi > q->hgpr)
			q->hgpr = s->ovr_hi;
		if (s->ovr_lo && s->ovr_lo < q->lwpr)
			q->lwpr = s->ovr_lo;
		if (s->ovr_min == 0)
			q->oprc = s->ovr_price;
	}
	q->prdy_clpr = s->bars[idx - 1].c;
	q->mxpr = krx_upper_limit(q->prdy_clpr);
	q->llam = krx_lower_limit(q->prdy_clpr);
	q->vol = s->bars[idx].vol * (q->minute + 1) / len;
	q->prdy_vol = s->bars[idx - 1].vol;
	return 0;
}

int sim_bar_get(sim_stock *s, int idx, const sim_quote *today, sim_bar *out)
{
	if (idx < 0 || idx >= s->nbars)
		return -1;
	*out = s->bars[idx];
	if (today && s->bars[idx].ymd == today->ymd) {
		out->o = today->oprc;
		out->h = today->hgpr;
		out->l = today->lwpr;
		out->c = today->prpr;
		out->vol = today->vol;
	}
	return 0;
}

int sim_price_override(sim_state *st, sim_stock *s, int64_t price, char *err, size_t errlen)
{
	sim_quote q;
	if (sim_quote_get(s, kclock_now_ms(&st->clock), &q) != 0) {
		snprintf(err, errlen, "clock outside the simulated history");
		return -1;
	}
	if (price < q.llam || price > q.mxpr) {
		snprintf(err, errlen, "price %lld outside the daily limits %lld..%lld",
		         (long long)price, (long long)q.llam, (long long)q.mxpr);
		return -1;
	}
	if (!krx_on_tick(price)) {
		snprintf(err, errlen, "price %lld is not on the tick grid (tick %lld)",
		         (long long)price, (long long)krx_tick(price));
		return -1;
	}
	if (s->ovr_ymd != q.ymd) {
		s->ovr_hi = 0;
		s->ovr_lo = 0;
	}
	s->ovr_ymd = q.ymd;
	s->ovr_min = q.minute;
	s->ovr_price = price;
	if (price > s->ovr_hi)
		s->ovr_hi = price;
	if (!s->ovr_lo || price < s->ovr_lo)
		s->ovr_lo = price;
	return 0;
}

void sim_price_clear(sim_stock *s)
{
	s->ovr_ymd = 0;
	s->ovr_min = 0;
	s->ovr_price = 0;
	s->ovr_hi = s->ovr_lo = 0;
}
