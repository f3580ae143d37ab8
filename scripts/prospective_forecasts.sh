#!/usr/bin/env bash
# The flagship's prospective forecasts, made on 2026-12-05 from the model updated with all packaged evidence to
# that day (as `scenarist track` replays it), on questions resolving between 2027 and the end of Pezeshkian's term
# (2028-07-31). Writes src/scenarist/data/forecasts-iran-russia-2026-12-05.json (the ledger, with its hash chain)
# and .head (its head hash). Load them into a store with:
#     scenarist forecast import forecasts-iran-russia-2026-12-05 --db team.db
set -euo pipefail
cd "$(dirname "$0")/.."
S=${SCENARIST:-.venv/bin/scenarist}
DB=$(mktemp -d)/prospective.db
OUT=src/scenarist/data/forecasts-iran-russia-2026-12-05
M=iran-russia-pezeshkian
EV=iran-russia-2024-2026
NOW=2026-12-05
COMMON=(--model "$M" --date "$NOW" --from-model --evidence "$EV" --draws 1000 --seed 2026 --forecaster model --db "$DB")

"$S" evidence import "$EV" --model "$M" --db "$DB" >/dev/null
q() { "$S" forecast record --id "$1" --descriptor "$2" --horizon "$3" --criteria "$4" "${COMMON[@]}"; }

q pr-2026-12-05-relationship relationship 2028-07-31 "State of Iran-Russia relations over the 12 months to \
31 July 2028, by the model's own observable definitions. strategic: a signed agreement with a mutual-defence or \
security-assistance commitment, or delivery to Iran of Su-35 fighters or S-300/S-400-class air defence, while \
Iranian military supply to Russia continues. tactical: Iranian military supplies to Russia continue (reported by \
Western governments or the IAEA/UN) and Russia gives Iran limited military or technical help, without a \
mutual-defence commitment. pragmatic: no credible report of new Iranian weapons for Russia for 12 consecutive months \
and no Russian delivery of systems Iran's regional rivals object to, while summits and trade agreements continue. \
estrangement: the 2025 treaty shelved or suspended and, in addition, ambassadors recalled or presidential contact \
suspended for six months, Russia siding publicly against Iran on a core dispute, or Iran joining a Western \
arrangement barring arms to Russia. If none fits, ambiguous."
q pr-2026-12-05-treaty treaty 2028-07-31 "The treaty relationship on 31 July 2028. defence_pact: Iran and Russia \
have signed (not necessarily ratified) a text committing either to defend or militarily assist the other if \
attacked, beyond the 2025 treaty's Article 3 promise not to help an aggressor; an official text or both \
governments' statements are required. framework: the 2025 Comprehensive Strategic Partnership Treaty is in force \
without such a commitment. unsigned: the 2025 treaty has been denounced, suspended or let lapse."
q pr-2026-12-05-russian-arms russian_arms 2028-07-31 "Russian arms for Iran, 1 January 2027 to 31 July 2028. \
advanced: delivery to Iran of Su-35 fighters (at least one confirmed by either government, or by imagery reported \
by two independent major outlets) or of S-400 air-defence systems. limited: anything less (helicopters, trainers, \
spare parts, intelligence, MiG-29 stop-gaps), including nothing."
q pr-2026-12-05-iran-arms iran_arms 2027-12-31 "Iranian missiles, drones or drone technology for Russia in calendar \
2027, as reported by a Western government, the UN or the IAEA (a single newspaper report does not count). \
expanding: a new weapon type or a reported rise in volume, including any delivery after a Russia-Ukraine ceasefire \
or armistice if one is in force. steady: continuing deliveries of known types at similar volume. halted: no such \
report covering 2027. If a ceasefire holds and the only reports concern pre-ceasefire deliveries, halted."
q pr-2026-12-05-nuclear nuclear_talks 2028-07-31 "US-Iran nuclear diplomacy on 31 July 2028. deal: a signed or \
jointly announced US-Iran (or US/E3-Iran) agreement limiting Iran's nuclear programme, in force or being \
implemented (a memorandum on ceasefire or shipping alone does not count). talks: at least one formal negotiating \
round on the nuclear file in the preceding six months, without such an agreement. stalled: neither."
q pr-2026-12-05-economic economic_links 2027-12-31 "Iran-Russia economic links in 2027. deepening: officially \
reported bilateral trade above 8 bn USD for 2026 or 2027, or construction begun on the Rasht-Astara railway (a \
signed build contract and work on site), or first concrete poured at a new Rosatom unit in Iran. stagnant: none \
of these."
# The source's own verdict (the article's words through the model's WEP table) on the same relationship question:
# the baseline the model's forecast is measured against. Its words date from 2024-11; it is recorded today.
REL_CRITERIA=$("$S" forecast list --db "$DB" --json | .venv/bin/python -c \
    "import json,sys; print([f for f in json.load(sys.stdin)['forecasts'] if f['id']=='pr-2026-12-05-relationship'][0]['criteria'])")
"$S" forecast record --id pr-2026-12-05-relationship-article --model "$M" --date "$NOW" --horizon 2028-07-31 \
    --from-assessments --forecaster article --criteria "$REL_CRITERIA" --db "$DB" \
    --note "The article's 2024 verdict (its words mapped by the WEP table), recorded as the source baseline."

"$S" forecast verify --db "$DB"
"$S" forecast export -o "$OUT.json" --db "$DB"
"$S" forecast verify --db "$DB" --json | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['head'])" > "$OUT.head"
cat "$OUT.head"
