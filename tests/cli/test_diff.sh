#!/bin/sh
# tests/cli/test_diff.sh — att diff OLD NEW --key K: the table, the summary line on stderr, every
# output format and --out, --fields/--ignore, compound keys, --sorted, --exit-code (0/1), status 2
# for bad command lines, unreadable or bad inputs and duplicate keys, --help. Prints TAP. Env: ATT.
NAME=diff
. "$(dirname "$0")/lib.sh"
case $ATT in /*) ;; *) ATT=$(pwd)/$ATT ;; esac
cd "$T" || exit 2
err_is() { [ "$(cat "$T/err")" = "$1" ]; }
file_is() { [ "$(cat "$1")" = "$2" ]; }

printf 'id,name,state\r\n1,Ann,ACTIVE\r\n2,Bob,ACTIVE\r\n3,Cid,LOCKED\r\n' >old.csv
printf '{"id":1,"name":"Ann","state":"ACTIVE"}\n{"id":2,"name":"Bob","state":"SUSPENDED"}\n{"id":4,"name":"Dee","state":"ACTIVE"}\n' >new.jsonl
printf '{"id":3,"name":"Cid","state":"LOCKED"}\n{"id":1,"name":"Ann","state":"ACTIVE"}\n{"id":2,"name":"Bob","state":"ACTIVE"}\n' >same.jsonl
SUMMARY='att diff: 1 added, 1 removed, 1 changed (1 field), 1 unchanged'

run "$ATT" diff old.csv new.jsonl --key id
check "the default: a table on stdout, status 0" rc_is 0
check "the summary line on stderr" err_is "$SUMMARY"
check "the table" out_is "$(printf '%s\n' \
    'change   key  field  old                                       new' \
    '-------  ---  -----  ----------------------------------------  --------------------------------------' \
    'changed    2  state  ACTIVE                                    SUSPENDED' \
    'removed  3           {"id":"3","name":"Cid","state":"LOCKED"}' \
    'added      4                                                   {"id":4,"name":"Dee","state":"ACTIVE"}')"

run "$ATT" diff old.csv new.jsonl --key id --exit-code
check "--exit-code with differences: 1" rc_is 1
check "--exit-code: the output is the same" has_out "^changed    2  state"
run "$ATT" diff old.csv same.jsonl --key=id --exit-code
check "--exit-code with no difference: 0" rc_is 0
check "no difference: the summary" err_is "att diff: 0 added, 0 removed, 0 changed (0 fields), 3 unchanged"
check "no difference: only the header" out_is "$(printf 'change  key  field  old  new\n------  ---  -----  ---  ---')"

run "$ATT" diff old.csv new.jsonl --key id --format csv
check "--format csv" out_is "$(printf 'change,key,field,old,new\r\nchanged,2,state,ACTIVE,SUSPENDED\r\nremoved,3,,"{""id"":""3"",""name"":""Cid"",""state"":""LOCKED""}",\r\nadded,4,,,"{""id"":4,""name"":""Dee"",""state"":""ACTIVE""}"\r')"
run "$ATT" diff old.csv new.jsonl --key id --out changes.jsonl
check "--out FILE: the format from its extension, nothing on stdout" sh -c "[ $rc -eq 0 ] && [ ! -s '$T/out' ]"
check "--out FILE: the file" file_is changes.jsonl "$(printf '%s\n' \
    '{"change":"changed","key":2,"field":"state","old":"ACTIVE","new":"SUSPENDED"}' \
    '{"change":"removed","key":"3","field":null,"old":{"id":"3","name":"Cid","state":"LOCKED"},"new":null}' \
    '{"change":"added","key":4,"field":null,"old":null,"new":{"id":4,"name":"Dee","state":"ACTIVE"}}')"
check "--out FILE: the summary still on stderr" err_is "$SUMMARY"
for f in tsv json markdown html; do
    run "$ATT" diff old.csv new.jsonl --key id --format "$f" --out "changes.$f"
    check "--format $f --out" sh -c "[ $rc -eq 0 ] && [ -s 'changes.$f' ] && [ ! -e 'changes.$f.partial' ]"
done
check "html: the changed field" grep -q '<tr class="changed"><td class="change">changed</td><td class="key">2</td><td class="field">state</td><td class="value"><del class="old">ACTIVE</del><span class="arrow">→</span><ins class="new">SUSPENDED</ins>' changes.html
check "html: added and removed rows" sh -c 'grep -q "<tr class=\"added\">" changes.html && grep -q "<tr class=\"removed\">" changes.html'
check "json: an array" sh -c 'head -n 1 changes.json | grep -qx "\[" && tail -n 1 changes.json | grep -qx "\]"'
run "$ATT" diff old.csv new.jsonl --key id --out changes.html --format csv
check "--format wins over the extension of --out" sh -c "head -n 1 changes.html | grep -q '^change,key,field,old,new'"

run "$ATT" diff old.csv new.jsonl --key id --ignore state
check "--ignore" err_is "att diff: 1 added, 1 removed, 0 changed (0 fields), 2 unchanged"
run "$ATT" diff old.csv new.jsonl --key id --fields name,state --format csv
check "--fields" has_out "^changed,2,state,ACTIVE,SUSPENDED"

printf 'a,b,v\n1,x,p\n1,y,q\n2,x,r\n' >ck_old.csv
printf 'a\tb\tv\n1\ty\tQ\n2\tx\tr\n1\tx\tp\n' >ck_new.tsv
run "$ATT" diff ck_old.csv ck_new.tsv --key a,b --format csv
check "a compound key (csv vs tsv, unsorted)" out_is "$(printf 'change,key,field,old,new\r\nchanged,"[""1"",""y""]",v,q,Q\r')"

printf 'id,v\n1,a\n3,b\n2,c\n' >unsorted.csv
run "$ATT" diff unsorted.csv unsorted.csv --key id
check "unsorted files: no change" sh -c "[ $rc -eq 0 ] && grep -qx 'att diff: 0 added, 0 removed, 0 changed (0 fields), 3 unchanged' '$T/err'"
run "$ATT" diff unsorted.csv old.csv --key id --sorted
check "--sorted with an unsorted input: 2" rc_is 2
check "--sorted: the key out of order named" err_is 'att diff: old is not sorted by key: key "2" (row 3) comes after "3" (row 2)'

printf 'id,v\n1,a\n2,b\n1,c\n' >dup.csv
run "$ATT" diff old.csv dup.csv --key id
check "a duplicate key: 2" rc_is 2
check "a duplicate key: named with its side and rows" err_is 'att diff: duplicate key "1" in new (rows 1 and 3)'
check "a duplicate key: no summary" sh -c "! grep -q added '$T/err'"
run "$ATT" diff old.csv new.jsonl --key nope
check "a row without the key: 2" rc_is 2
check "a row without the key: named" err_is 'att diff: row 1 of old (old.csv) has no key "nope"'
printf 'id,v\n1,"open\n' >bad.csv
run "$ATT" diff bad.csv old.csv --key id
check "an unterminated quote: 2 and the file and line" sh -c "[ $rc -eq 2 ] && grep -qx 'att diff: bad.csv:2: unterminated quoted field' '$T/err'"
printf '{"id":1}\n{"id":\n' >bad.jsonl
run "$ATT" diff old.csv bad.jsonl --key id
check "a bad JSON line: 2 and the file and line" sh -c "[ $rc -eq 2 ] && grep -q '^att diff: bad.jsonl:2: ' '$T/err'"
run "$ATT" diff missing.csv old.csv --key id
check "an unreadable file: 2" sh -c "[ $rc -eq 2 ] && grep -qx 'att diff: missing.csv: cannot read: No such file or directory' '$T/err'"
run "$ATT" diff old.csv new.jsonl --key id --out /nonexistent/dir/x.csv
check "an --out that cannot be written: 2, checked before reading" sh -c "[ $rc -eq 2 ] && grep -q '^att diff: cannot open \"/nonexistent/dir/x.csv\" for writing' '$T/err'"
echo before >kept.csv
run "$ATT" diff old.csv dup.csv --key id --out kept.csv
check "a failed diff leaves --out untouched" sh -c "[ $rc -eq 2 ] && [ \"\$(cat kept.csv)\" = before ]"

mkdir -p sub && cp old.csv new.jsonl sub/
(cd sub && "$ATT" --safe diff old.csv new.jsonl --key id >"$T/out" 2>"$T/err"); rc=$?
check "--safe: files in the current directory can be read" sh -c "[ $rc -eq 0 ] && grep -qx '$SUMMARY' '$T/err'"
(cd sub && "$ATT" --safe diff ../old.csv new.jsonl --key id >"$T/out" 2>"$T/err"); rc=$?
check "--safe: a file outside it cannot: 2 and a clear message" sh -c "[ $rc -eq 2 ] && grep -q \"^att diff: ../old.csv: cannot read: .*outside the current directory (--safe)\" '$T/err'"
(cd sub && "$ATT" --safe diff old.csv new.jsonl --key id --out ../x.csv >"$T/out" 2>"$T/err"); rc=$?
check "--safe: --out outside it: 2, nothing written" sh -c "[ $rc -eq 2 ] && [ ! -e x.csv ] && grep -qx \"att diff: '../x.csv' is outside the current directory (--safe)\" '$T/err'"

"$ATT" diff old.csv new.jsonl --key id >/dev/full 2>"$T/err"; rc=$?
check "standard output on a full disk: 8 and the write error" sh -c "[ $rc -eq 8 ] && grep -qx 'att: write error on standard output: No space left on device' '$T/err'"
run "$ATT" diff old.csv new.jsonl --key id --format html --out /dev/full
check "--out /dev/full: 8 (a lost write), not 2" sh -c "[ $rc -eq 8 ] && grep -qx 'att: write error on /dev/full: No space left on device' '$T/err'"

# bad command lines
run "$ATT" diff old.csv new.jsonl
check "no --key: 2" sh -c "[ $rc -eq 2 ] && grep -qx 'att diff: --key is required (the column that identifies a row)' '$T/err'"
run "$ATT" diff old.csv --key id
check "one input: 2" sh -c "[ $rc -eq 2 ] && grep -q '^att diff: two inputs are needed (OLD NEW), got 1' '$T/err'"
run "$ATT" diff a b c --key id
check "three inputs: 2" rc_is 2
run "$ATT" diff old.csv new.jsonl --key id --colour
check "an unknown option: 2" sh -c "[ $rc -eq 2 ] && grep -qx 'att diff: unknown option --colour (see att diff --help)' '$T/err'"
run "$ATT" diff old.csv new.jsonl --key
check "an option without its value: 2" sh -c "[ $rc -eq 2 ] && grep -qx 'att diff: --key needs a value' '$T/err'"
run "$ATT" diff old.csv new.jsonl --key id --format yaml
check "an unknown format: 2" sh -c "[ $rc -eq 2 ] && grep -q '^att diff: unknown format \"yaml\"' '$T/err'"
run "$ATT" diff old.csv new.jsonl --key id --exit-code=yes
check "a flag with a value: 2" rc_is 2
run "$ATT" diff a.db b.db --key id --table t --old-table u
check "--table with --old-table: 2" rc_is 2
run "$ATT" diff old.txt new.jsonl --key id
check "an unknown extension: 2" sh -c "[ $rc -eq 2 ] && grep -q 'cannot tell its format from the extension' '$T/err'"
run "$ATT" diff --help
check "--help: 0 and the usage" sh -c "[ $rc -eq 0 ] && grep -q '^usage: att diff OLD NEW --key' '$T/out' && [ ! -s '$T/err' ]"

finish
