module klaxon.invalid/oracle/promtemplate

go 1.22
