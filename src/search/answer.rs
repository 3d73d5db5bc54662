//! Answering a query: candidates grade by grade (kind by kind, and within a kind primary readings
//! before others), best first, ranked; see the module above.

use super::matcher::{Prepared, classify, find, fuzzy_level, fuzzy_name, typo_distance, typo_end};
use super::name_keys::Emit;
use super::numbers::NumberHits;
use super::query::Unit;
use super::rank::TopK;
use super::table::Id;
use super::typo::TypoQuery;
use super::{FUZZY_RUN, FUZZY_SCATTERED, Found, Grade, MatchKind, Reading, SearchIndex, typed_chars};

impl SearchIndex {
    /// The best `limit` clients for `query` as seen by staff member `actor` (their own clients
    /// rank first within a kind). An empty query finds nothing.
    pub fn search(&self, query: &str, actor: Option<&str>, limit: usize) -> Vec<Found> {
        self.answer(query, actor, limit).found
    }

    /// `search`, with about how many clients match in all.
    pub fn answer(&self, query: &str, actor: Option<&str>, limit: usize) -> Answer {
        let p = Prepared::new(query);
        if p.query.is_empty() {
            return Answer::default();
        }
        let limit = super::effective_limit(limit);
        let me = actor.and_then(|a| self.staff.get(a)).copied();
        let t = &self.t;
        let is_mine = |id: Id| me.is_some_and(|m| t.maintainer[id as usize] == m);
        let key = |id: Id| (u64::from(!is_mine(id)) << 32) | u64::from(self.rank.of(id));

        let mut sure: Runs = Default::default();
        let mut check: Vec<&[Id]> = Vec::new();
        let mut chars: Vec<(&[Id], Emit)> = Vec::new();
        self.candidates(&p, &mut sure, &mut check, &mut chars);
        let mut checked: [Vec<Id>; Grade::STRUCTURED.len()] = Default::default();
        // Names matching characters typed as themselves are in the runs of names in character
        // order already; through the name keys only their sound-alikes are new.
        let all_chars = p.query.units.iter().all(|u| matches!(u, Unit::Char(_)));
        for run in check {
            for &id in run {
                if let Some(m) = classify(t, id, &p, false)
                    && m.kind < MatchKind::Fuzzy
                    && (!all_chars || m.reading == Reading::Sound)
                {
                    checked[m.grade().index()].push(id);
                }
            }
        }
        let typed: Vec<char> = p
            .query
            .units
            .iter()
            .filter_map(|u| if let Unit::Char(c) = u { Some(*c) } else { None })
            .collect();
        // Names found through the keys by way of a character typed are graded one by one
        // (`through_chars`), and only when their grade is reached: an emit of grade `e.grade`
        // gives that grade or the same kind read the same (`Reading::Sound`), never a better
        // one. "王x" has tens of thousands of such candidates at a million clients, nearly all
        // prefixes (王晓明) that a list filled by whole names (王翔) never needs.
        chars.sort_by_key(|(_, e)| e.grade);
        let mut graded = 0;
        let mut grade_through_chars = |upto: Grade, checked: &mut [Vec<Id>; Grade::STRUCTURED.len()]| {
            while let Some((run, e)) = chars.get(graded).filter(|(_, e)| e.grade <= upto) {
                for &id in *run {
                    let grade = self.through_chars(id, e, &typed);
                    if !all_chars || grade.reading == Reading::Sound {
                        checked[grade.index()].push(id);
                    }
                }
                graded += 1;
            }
        };

        let sure_count = |g: usize| sure[g].iter().map(|r| r.len()).sum::<usize>();
        let mut taken: Vec<(Id, Grade)> = Vec::new();
        for grade in Grade::STRUCTURED {
            let g = grade.index();
            if taken.len() == limit {
                break;
            }
            grade_through_chars(grade, &mut checked);
            // A name found through two of its keys is one client.
            checked[g].sort_unstable();
            checked[g].dedup();
            let count = sure_count(g) + checked[g].len();
            if count > self.walk_above {
                let need = limit - taken.len();
                let found =
                    self.walk(me, need, |id| classify(t, id, &p, false).is_some_and(|m| m.grade() == grade));
                taken.extend(found.into_iter().map(|id| (id, grade)));
                continue;
            }
            let mut top = TopK::new(limit);
            for &id in sure[g].iter().flat_map(|r| r.iter()).chain(&checked[g]) {
                top.offer(key(id), id);
            }
            take(&mut taken, top, grade, limit);
        }
        // A client may be counted once per reading of its name that matches: "about". Emits
        // not graded because the list was full count as their own grade; through characters
        // alone (张伟) they hold the names already counted, and only their sound-alikes are new.
        let ungraded: usize = if all_chars { 0 } else { chars[graded..].iter().map(|(r, _)| r.len()).sum() };
        let mut about: usize = (0..Grade::STRUCTURED.len())
            .map(|g| {
                checked[g].sort_unstable();
                checked[g].dedup();
                sure_count(g) + checked[g].len()
            })
            .sum::<usize>()
            + ungraded;

        // Fuzzy matches and typos are looked for, and so counted, only when the better kinds
        // leave room.
        if taken.len() < limit {
            about += self.fuzzy(&p, me, limit, &mut taken, key);
        }
        if taken.len() < limit
            && let Some(tq) = &p.typo
        {
            about += self.typos(&p, tq, me, limit, &mut taken, key);
        }

        let found: Vec<Found> = taken
            .into_iter()
            .filter_map(|(id, grade)| {
                let m = classify(t, id, &p, true)?;
                debug_assert_eq!(m.grade(), grade, "index and matcher disagree on {}", t.nos.get(id));
                let rec = t.rec(id);
                let maintainer = t.maintainer[id as usize];
                Some(Found {
                    no: t.nos.get(id).to_string(),
                    name: rec.name_string(),
                    phone: rec.phone().to_string(),
                    id_number: rec.id_number().to_string(),
                    tier: t.tier[id as usize],
                    maintainer: self.staff_nos.get(maintainer as usize).cloned(),
                    mine: is_mine(id),
                    field: m.field,
                    kind: m.kind,
                    positions: m.positions,
                })
            })
            .collect();
        let about = if found.len() < limit { found.len() } else { about.max(found.len()) };
        Answer { found, about }
    }

    /// Fuzzy matches, after every better one is in `taken`: the name as a subsequence, the client
    /// number containing the query; those sitting as one run in the name first (`FUZZY_RUN`).
    /// A scan collects them; if they turn out to be very many, it stops and the clients are
    /// walked in rank order instead, which then meets one every few steps.
    fn fuzzy(
        &self,
        p: &Prepared,
        me: Option<u32>,
        limit: usize,
        taken: &mut Vec<(Id, Grade)>,
        key: impl Fn(Id) -> u64,
    ) -> usize {
        let t = &self.t;
        let cap = self.walk_above / 2;
        let by_name = |id: Id| t.mask[id as usize] & p.mask == p.mask && fuzzy_name(t, id, p);
        // Letters where every number is digits: no number to read for each client walked.
        let no_query = p.alnum.as_ref().filter(|q| t.nos.may_contain(q));
        let by_no = |id: Id| no_query.is_some_and(|q| find(t.nos.folded(id), q).is_some());
        let need = limit - taken.len();
        // Sorted, because the walk below may test every client against it.
        let mut already: Vec<Id> = taken.iter().map(|(id, _)| *id).collect();
        already.sort_unstable();
        // The level of a fuzzy match by name or number (the better of the two), if any.
        let level = |id: Id| -> Option<Reading> {
            if already.binary_search(&id).is_ok() {
                return None;
            }
            let name = by_name(id).then(|| fuzzy_level(t, id, p));
            if name == Some(FUZZY_RUN) {
                return name;
            }
            if by_no(id) { Some(FUZZY_RUN) } else { name }
        };
        // Every name matching, in id order, when there are at most `cap`: `Err` when there are
        // more (the scan stopped there).
        let scan_names = |names: &mut Vec<Id>| -> bool {
            let mut push = |id: Id| {
                names.push(id);
                names.len() <= cap
            };
            if !p.number {
                let chars =
                    p.query.units.iter().filter_map(|u| if let Unit::Char(c) = u { Some(*c) } else { None });
                let fewest =
                    chars.map(|c| self.chars.get(&c).map_or(&[][..], Vec::as_slice)).min_by_key(|l| l.len());
                return match fewest {
                    // A name with a character of the query is on that character's list.
                    Some(list) => list.iter().filter(|id| by_name(**id)).all(|id| push(*id)),
                    None => with_letters(&t.mask, p.mask).filter(|id| fuzzy_name(t, *id, p)).all(&mut push),
                };
            }
            true
        };
        // What the scan found, names then numbers, and whether it found them all (at most `cap`).
        let add_numbers = |found: &mut Vec<Id>| -> bool {
            let mut whole = found.len() <= cap;
            if whole && let Some(q) = &p.alnum {
                t.nos.containing(q, |id| {
                    found.push(id);
                    whole = found.len() <= cap;
                    whole
                });
            }
            whole
        };
        // Common letters match a large share of names; a short walk in rank order then finds
        // the best of them long before a scan of every name would end. If the walk meets enough
        // matches to fill the list, but too few as one run ("aa", "nan": scattered everywhere,
        // rarely together), the walk's answer stands: the runs met first, then the scattered
        // ones; the order between the two levels is then only as good as the walk's reach
        // (bounded to keep p99 at a million clients, issue 16). Only a sparse query is scanned.
        //
        // A spelt query whose names are known to be few (from the keystroke before, which it
        // extends, or from a sample of the register) is scanned first instead, and what that
        // walk would have given is worked out from the matches found (`walked_over`): the same
        // answer, without walking thousands of clients to learn that the query is sparse.
        let mut found: Vec<Id> = Vec::new();
        let spelt = !p.number && !p.query.has_chars();
        let scanned = if spelt {
            match self.cached_names(p, by_name) {
                Some(names) => {
                    found = names;
                    Some(true)
                }
                None if self.looks_sparse(p, need, cap, by_name) => {
                    let whole = scan_names(&mut found);
                    if whole {
                        self.remember_names(p, &found);
                    }
                    Some(whole)
                }
                None => None,
            }
        } else {
            None
        };
        let whole = match scanned {
            Some(true) => add_numbers(&mut found),
            Some(false) => false,
            None => {
                if spelt {
                    match self.walk_graded(me, need, self.fuzzy_walk(), level) {
                        Ok((more, about)) => {
                            taken.extend(more);
                            return about;
                        }
                        Err((more, about)) if about > cap || more.len() == need => {
                            taken.extend(more);
                            return about;
                        }
                        Err(_) => {}
                    }
                }
                let whole = scan_names(&mut found);
                if whole && spelt {
                    self.remember_names(p, &found);
                }
                whole && add_numbers(&mut found)
            }
        };
        if !whole {
            let (more, about) =
                self.walk_graded(me, need, self.fuzzy_walk(), level).unwrap_or_else(|partial| partial);
            taken.extend(more);
            return about;
        }
        let about = found.iter().filter(|id| already.binary_search(id).is_err()).count();
        // Each match's level, worked out once for the replayed walk and the ranking alike.
        let mut matches: Vec<(Id, Reading)> =
            found.iter().filter_map(|id| level(*id).map(|l| (*id, l))).collect();
        if scanned.is_some() {
            // The walk the other order runs first, replayed over every match.
            matches.sort_unstable_by_key(|(id, _)| *id);
            matches.dedup_by_key(|(id, _)| *id);
            match self.walked_over(me, need, self.fuzzy_walk(), &matches) {
                Ok((more, about)) => {
                    taken.extend(more);
                    return about;
                }
                Err((more, about)) if about > cap || more.len() == need => {
                    taken.extend(more);
                    return about;
                }
                Err(_) => {}
            }
        }
        let mut run = TopK::new(limit);
        let mut scattered = TopK::new(limit);
        for (id, level) in matches {
            if level == FUZZY_RUN {
                run.offer(key(id), id);
            } else {
                scattered.offer(key(id), id);
            }
        }
        take(taken, run, Grade::new(MatchKind::Fuzzy, FUZZY_RUN), limit);
        take(taken, scattered, Grade::new(MatchKind::Fuzzy, FUZZY_SCATTERED), limit);
        about
    }

    /// How many clients a fuzzy walk looks at before it settles (`FUZZY_WALK`).
    fn fuzzy_walk(&self) -> usize {
        #[cfg(test)]
        if let Some(budget) = self.fuzzy_budget {
            return budget;
        }
        FUZZY_WALK
    }

    /// The names matching spelt query `p` (`by_name`), in id order, from those of an earlier
    /// query it extends: typing on can only narrow a subsequence match ("ouyangn" to
    /// "ouyangna"). `None` when no such query is kept.
    fn cached_names(&self, p: &Prepared, by_name: impl Fn(Id) -> bool) -> Option<Vec<Id>> {
        let q = p.alnum.as_deref()?;
        let kept = match self.spelt_names.try_lock() {
            Ok(kept) => kept,
            Err(std::sync::TryLockError::Poisoned(kept)) => kept.into_inner(),
            // Someone else's search is reading it: scanning beats waiting.
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        let (before, names) = kept.as_ref()?;
        q.starts_with(before).then(|| names.iter().copied().filter(|id| by_name(*id)).collect())
    }

    /// Keeps every name matching spelt query `p`, for the keystrokes after it.
    fn remember_names(&self, p: &Prepared, names: &[Id]) {
        let Some(q) = p.alnum.as_ref() else { return };
        let mut kept = match self.spelt_names.try_lock() {
            Ok(kept) => kept,
            Err(std::sync::TryLockError::Poisoned(kept)) => kept.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return,
        };
        *kept = Some((q.clone(), names.to_vec()));
    }

    /// Whether a sample of the register says that the fuzzy walk would meet fewer than `need`
    /// matches and too few to stand (at most `cap` in all): then it would end by scanning
    /// every name anyway, and the scan alone costs less. Only a guess, for speed: the answer is
    /// the same either way.
    fn looks_sparse(&self, p: &Prepared, need: usize, cap: usize, by_name: impl Fn(Id) -> bool) -> bool {
        #[cfg(test)]
        if self.walk_first {
            return false;
        }
        let n = self.t.len();
        if n <= SAMPLE {
            return true;
        }
        // Blocks spread over the whole register, which is in the order clients were added.
        let block = SAMPLE / SAMPLE_BLOCKS;
        let stride = n / SAMPLE_BLOCKS;
        let masks = &self.t.mask;
        let mut hits = 0;
        for b in 0..SAMPLE_BLOCKS {
            let from = b * stride;
            hits +=
                with_letters(&masks[from..from + block], p.mask).filter(|i| by_name(from as Id + *i)).count();
        }
        hits * self.fuzzy_walk().min(n) < need * SAMPLE && hits * n <= cap * SAMPLE
    }

    /// What `walk_graded(me, need, budget, level)` gives, worked out from `matches`: every client
    /// whose level is `Some`, with it, in id order. The walk visits the searcher's own clients
    /// by rank, then everyone else's by rank; a client's place in that order follows from its
    /// rank and how many of the searcher's own rank before it.
    fn walked_over(
        &self,
        me: Option<u32>,
        need: usize,
        budget: usize,
        matches: &[(Id, Reading)],
    ) -> Result<Walked, Walked> {
        let t = &self.t;
        let mut mine: Vec<u32> = match me.and_then(|m| self.by_maintainer.get(&m)) {
            Some(list) => list.iter().map(|id| self.rank.of(*id)).collect(),
            None => Vec::new(),
        };
        mine.sort_unstable();
        let place = |id: Id| -> usize {
            let r = self.rank.of(id);
            if me.is_some_and(|m| t.maintainer[id as usize] == m) {
                mine.partition_point(|o| *o < r)
            } else {
                mine.len() + r as usize - mine.partition_point(|o| *o < r)
            }
        };
        let mut met: Vec<(usize, Id, Reading)> =
            matches.iter().map(|&(id, level)| (place(id), id, level)).collect();
        met.sort_unstable_by_key(|m| m.0);
        let total = t.len();
        let (mut run, mut scattered) = (Vec::new(), Vec::new());
        let mut matched = 0usize;
        // How many clients the walk looked at, and whether it ended with all it needed.
        let mut ended: Option<(usize, bool)> = None;
        for (at, id, level) in met {
            if at >= budget {
                ended = Some((budget, false));
                break;
            }
            matched += 1;
            if level == FUZZY_RUN {
                run.push(id);
                if run.len() == need {
                    ended = Some((at + 1, true));
                    break;
                }
            } else if scattered.len() < need {
                scattered.push(id);
            }
        }
        let (looked, done) = ended.unwrap_or(if total <= budget { (total, true) } else { (budget, false) });
        let about = if looked >= total { matched } else { matched * total / looked.max(1) };
        let run = run.into_iter().map(|id| (id, Grade::new(MatchKind::Fuzzy, FUZZY_RUN)));
        let scattered = scattered.into_iter().map(|id| (id, Grade::new(MatchKind::Fuzzy, FUZZY_SCATTERED)));
        let walked = (run.chain(scattered).take(need).collect(), about);
        if done { Ok(walked) } else { Err(walked) }
    }

    /// Names within one typo of the query (`typo`), after every better match is in `taken`.
    /// Found by walking the name keys with the typo automaton; when they are very many (a typo
    /// in a common surname's start), the clients are walked in rank order instead.
    fn typos(
        &self,
        p: &Prepared,
        tq: &TypoQuery,
        me: Option<u32>,
        limit: usize,
        taken: &mut Vec<(Id, Grade)>,
        key: impl Fn(Id) -> u64,
    ) -> usize {
        let t = &self.t;
        let mut already: Vec<Id> = taken.iter().map(|(id, _)| *id).collect();
        already.sort_unstable();
        let mut runs = Vec::new();
        self.names.typos(tq, &mut runs);
        let count: usize = runs.iter().map(|(lo, hi)| hi - lo).sum();
        // Typos at the start of a common surname ("zhnag") match some in twenty: a walk in rank
        // order meets enough of them long before ranking them all would end. Only then: a rare
        // name's typo ("ouyangna") would walk the whole register to meet its few.
        // Closest first: a name one edit from the query as a whole (张伟 for "zhnagwei") before
        // one that only starts within an edit of it (张立新, zhangweixin), then by rank. `key`
        // fills the low 33 bits.
        let closest = |id: Id| (typo_distance(t.rec(id).name(), tq).min(0xFF) as u64) << 40 | key(id);
        let need = limit - taken.len();
        if count > self.walk_above / TYPO_WALK_SHARE && need * self.t.len() < count * TYPO_WALK {
            // Whether a name starts within one edit of the query is what the runs say (and, for
            // the few names too long for the keys, `typo_end`): marked once here, so that the
            // walk reads a bit per client instead of its name.
            let mut typo_bits = vec![0u64; t.len().div_ceil(64)];
            let mut mark = |id: Id| typo_bits[id as usize / 64] |= 1 << (id % 64);
            for &(lo, hi) in &runs {
                self.names.ids_in(lo, hi).iter().for_each(|id| mark(*id));
            }
            for &id in &self.names.overflow {
                if typo_end(t.rec(id).name(), tq).is_some() {
                    mark(id);
                }
            }
            let is_typo = |id: Id| {
                typo_bits[id as usize / 64] & 1 << (id % 64) != 0 && already.binary_search(&id).is_err()
            };
            let distance = |id: Id| typo_distance(t.rec(id).name(), tq);
            // Met in rank order. A typo match is at least one edit away, so `need` of them at
            // one edit are the answer; otherwise the closest of those met within the budget
            // (all of them in a register that size), as at a million only some can be looked at.
            let mut met: Vec<(usize, Id)> = Vec::new();
            let walked = self.walk_for(me, need, TYPO_WALK_BUDGET, |id| {
                if !is_typo(id) {
                    return false;
                }
                let d = distance(id);
                met.push((d, id));
                d <= 1
            });
            if walked.is_err() && met.len() < need {
                met = self.walk(me, need, is_typo).into_iter().map(|id| (distance(id), id)).collect();
            }
            // Stable: rank order within each distance.
            met.sort_by_key(|&(d, _)| d);
            taken.extend(met.into_iter().take(need).map(|(_, id)| (id, TYPO)));
            return count;
        }
        let mut top = TopK::new(limit);
        for &(lo, hi) in &runs {
            for &id in self.names.ids_in(lo, hi) {
                if already.binary_search(&id).is_err() {
                    top.offer(closest(id), id);
                }
            }
        }
        for &id in &self.names.overflow {
            if already.binary_search(&id).is_err()
                && classify(t, id, p, false).is_some_and(|m| m.kind == MatchKind::Typo)
            {
                top.offer(closest(id), id);
            }
        }
        take(taken, top, TYPO, limit);
        count
    }

    /// The best `need` fuzzy matches in rank order, those of `FUZZY_RUN` first, walking at most
    /// `budget` clients: `Err` with the best of what it met by then.
    fn walk_graded(
        &self,
        me: Option<u32>,
        need: usize,
        budget: usize,
        level: impl Fn(Id) -> Option<Reading>,
    ) -> Result<Walked, Walked> {
        let mut run = Vec::new();
        let mut scattered = Vec::new();
        let (mut looked, mut matched) = (0usize, 0usize);
        let walked = self.walk_for(me, need, budget, |id| {
            looked += 1;
            let level = level(id);
            matched += usize::from(level.is_some());
            match level {
                Some(FUZZY_RUN) => {
                    run.push(id);
                    true
                }
                Some(_) => {
                    if scattered.len() < need {
                        scattered.push(id);
                    }
                    false
                }
                None => false,
            }
        });
        // As many again in the part not walked, for the count shown ("共约").
        let about = if looked >= self.t.len() { matched } else { matched * self.t.len() / looked.max(1) };
        let both = |run: Vec<Id>, scattered: Vec<Id>| {
            let run = run.into_iter().map(|id| (id, Grade::new(MatchKind::Fuzzy, FUZZY_RUN)));
            let scattered =
                scattered.into_iter().map(|id| (id, Grade::new(MatchKind::Fuzzy, FUZZY_SCATTERED)));
            run.chain(scattered).take(need).collect()
        };
        match walked {
            Ok(_) => Ok((both(run, scattered), about)),
            Err(_) => Err((both(run, scattered), about)),
        }
    }

    /// Runs of candidates per grade that match for sure (`sure`), and runs that need checking.
    fn candidates<'a>(
        &'a self,
        p: &Prepared,
        sure: &mut Runs<'a>,
        check: &mut Vec<&'a [Id]>,
        chars: &mut Vec<(&'a [Id], Emit)>,
    ) {
        let t = &self.t;
        let mut numbers = NumberHits::default();
        if let Some(q) = &p.alnum {
            self.numbers.client_no(t, q, &mut numbers);
        }
        if let Some(id_form) = &p.id_form {
            self.numbers.numbers(t, p.digits.as_deref(), id_form, &mut numbers);
        }
        sure[Grade::primary(MatchKind::Exact).index()].extend(numbers.exact);
        sure[Grade::primary(MatchKind::Prefix).index()].extend(numbers.prefix);
        check.extend(numbers.check);
        if p.number {
            return;
        }
        let units = &p.query.units;
        if units.iter().all(|u| matches!(u, Unit::Char(_))) {
            let q: Vec<char> =
                units.iter().filter_map(|u| if let Unit::Char(c) = u { Some(*c) } else { None }).collect();
            let v = &self.by_name;
            let lo = v.partition_point(|id| typed_chars(t, *id).lt(q.iter().copied()));
            let eq = lo + v[lo..].partition_point(|id| typed_chars(t, *id).eq(q.iter().copied()));
            let hi = eq + v[eq..].partition_point(|id| starts_with(typed_chars(t, *id), &q));
            // Characters stand for themselves: no reading involved.
            sure[Grade::primary(MatchKind::Exact).index()].push(&v[lo..eq]);
            sure[Grade::primary(MatchKind::Prefix).index()].push(&v[eq..hi]);
            // Names reading the same as two or more characters typed (张玮 for 张伟). One
            // character heard alone is too vague to stand for all its sound-alikes (张 would
            // bring every 章 and 彰), and costs a check of each.
            if q.len() < 2 {
                return;
            }
        }
        let mut emits: Vec<Emit> = Vec::new();
        self.names.spell(units, &p.char_syllables, &mut emits);
        for e in emits {
            if e.char_slots == 0 {
                sure[e.grade.index()].push(self.names.ids(&e));
            } else {
                chars.push((self.names.ids(&e), e));
            }
        }
        check.push(&self.names.overflow);
    }

    /// The grade of `id`, found through the name keys by emit `e` that went through characters
    /// typed: `e.grade` if the name has those characters at those places, else the same kind
    /// read the same (`Reading::Sound`). Cheaper than `classify` by the whole matcher.
    fn through_chars(&self, id: Id, e: &Emit, typed: &[char]) -> Grade {
        let mut want = typed.iter();
        let same = self
            .t
            .rec(id)
            .name()
            .filter(|s| !s.skip)
            .enumerate()
            .filter(|(k, _)| *k < 8 && e.char_slots & (1 << k) != 0)
            .all(|(_, s)| want.next() == Some(&s.ch));
        if same { e.grade } else { Grade::new(e.grade.kind, Reading::Sound) }
    }

    /// The first `need` clients satisfying `accept`, in ranking order: the searcher's own clients
    /// by rank, then everyone else's by rank.
    fn walk(&self, me: Option<u32>, need: usize, accept: impl FnMut(Id) -> bool) -> Vec<Id> {
        self.walk_for(me, need, usize::MAX, accept).unwrap_or_else(|partial| partial)
    }

    /// `walk`, giving up after checking `budget` clients: `Err` with what it found by then.
    fn walk_for(
        &self,
        me: Option<u32>,
        need: usize,
        mut budget: usize,
        mut accept: impl FnMut(Id) -> bool,
    ) -> Result<Vec<Id>, Vec<Id>> {
        let mut found = Vec::with_capacity(need);
        // The searcher's own clients by rank (their places in the rank order), then the rank
        // order skipping those places: no client's maintainer is read on the way, one memory
        // access fewer per client walked at a million.
        let mut mine: Vec<u32> = match me.and_then(|m| self.by_maintainer.get(&m)) {
            Some(list) => list.iter().map(|id| self.rank.of(*id)).collect(),
            None => Vec::new(),
        };
        mine.sort_unstable();
        let order = self.rank.order();
        let mut skip = mine.iter().peekable();
        let others = order.iter().enumerate().filter_map(|(at, id)| {
            if skip.next_if(|r| **r as usize == at).is_some() { None } else { Some(*id) }
        });
        for id in mine.iter().map(|r| order[*r as usize]).chain(others) {
            if found.len() == need {
                return Ok(found);
            }
            if budget == 0 {
                return Err(found);
            }
            budget -= 1;
            if accept(id) {
                found.push(id);
            }
        }
        Ok(found)
    }
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The best matches, best first, at most the limit asked for.
    pub found: Vec<Found>,
    /// About how many clients match in all: exactly `found.len()` when that is under the limit,
    /// otherwise an estimate (a name matching through two readings may count twice, and
    /// matches of a kind that was walked rather than counted are extrapolated from the walk).
    pub about: usize,
}

/// Matches met by a walk, and about how many there are in all.
type Walked = (Vec<(Id, Grade)>, usize);

/// Clients a fuzzy walk in rank order looks at before it settles for what it met (some 1 ms at
/// a million clients on a busy machine).
const FUZZY_WALK: usize = 8_000;

/// Names a sparse-looking spelt query is tried on (`looks_sparse`), in this many blocks.
const SAMPLE: usize = 4_096;
const SAMPLE_BLOCKS: usize = 16;

/// Typo candidates above `walk_above / TYPO_WALK_SHARE` are walked in rank order, not ranked.
const TYPO_WALK_SHARE: usize = 10;

/// Clients a typo walk in rank order may be expected to look at before it has met enough
/// matches; with fewer matches about, they are ranked instead.
const TYPO_WALK: usize = 5_000;

/// Clients a typo walk looks at for the closest matches before it settles for the closest it
/// met (about as long as `FUZZY_WALK`).
const TYPO_WALK_BUDGET: usize = FUZZY_WALK;

const TYPO: Grade = Grade::primary(MatchKind::Typo);

/// Runs of candidate ids, one list per grade of `Grade::STRUCTURED`.
type Runs<'a> = [Vec<&'a [Id]>; Grade::STRUCTURED.len()];

/// Appends the kept candidates not already taken with a better grade, up to `limit`. `top` kept
/// `limit` of them, so even after dropping those already taken there are enough.
fn take(taken: &mut Vec<(Id, Grade)>, top: TopK, grade: Grade, limit: usize) {
    for id in top.into_ids() {
        if taken.len() == limit {
            break;
        }
        if !taken.iter().any(|(t, _)| *t == id) {
            taken.push((id, grade));
        }
    }
}

/// Ids whose letter mask has every bit of `want`, tested 64 at a time into one word without a
/// branch per client: a million masks take about half a millisecond.
fn with_letters(masks: &[u64], want: u64) -> impl Iterator<Item = Id> + '_ {
    masks.chunks(64).enumerate().flat_map(move |(c, chunk)| {
        let mut bits = 0u64;
        for (i, m) in chunk.iter().enumerate() {
            bits |= u64::from(m & want == want) << i;
        }
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = bits.trailing_zeros();
                bits &= bits - 1;
                (c * 64) as Id + i
            })
        })
    })
}

fn starts_with(mut chars: impl Iterator<Item = char>, prefix: &[char]) -> bool {
    prefix.iter().all(|p| chars.next() == Some(*p))
}
