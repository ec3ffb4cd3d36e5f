module example.com/muslcheck/gohello

go 1.19
