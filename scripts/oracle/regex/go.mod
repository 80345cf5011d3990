module klaxon.invalid/oracle/regex

go 1.25
