// chan.go — the Go column for `pipelab chanbench`: the same handoff through a
// buffered Go channel, for readers who have Go (it is not part of the kit: make
// never builds it).
//
//	go run bench/chan.go                 # 200000 messages, capacities 1 4 64 1024
//	go run bench/chan.go -messages 1000000
//
// Shapes as chanbench's: 1p1c (one sender, one receiver) and 4p4c (four of
// each on one channel). Each configuration runs -repeats times, interleaved,
// and the median ns per message is printed. The receivers add up what they
// get, and a wrong sum stops the program, as chanbench does.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"
)

// run passes messages through a channel of the given capacity with the given
// number of senders and receivers and returns nanoseconds per message.
func run(capacity, senders, receivers, messages int) float64 {
	ch := make(chan int, capacity)
	perSender := messages / senders
	var sum int64
	var mu sync.Mutex
	var sendersDone, receiversDone sync.WaitGroup
	start := time.Now()
	for s := 0; s < senders; s++ {
		sendersDone.Add(1)
		go func() {
			defer sendersDone.Done()
			for i := 1; i <= perSender; i++ {
				ch <- i
			}
		}()
	}
	for r := 0; r < receivers; r++ {
		receiversDone.Add(1)
		go func() {
			defer receiversDone.Done()
			var local int64
			for v := range ch {
				local += int64(v)
			}
			mu.Lock()
			sum += local
			mu.Unlock()
		}()
	}
	sendersDone.Wait()
	close(ch)
	receiversDone.Wait()
	elapsed := time.Since(start)
	want := int64(senders) * int64(perSender) * int64(perSender+1) / 2
	if sum != want {
		fmt.Fprintf(os.Stderr, "chan.go: received sum %d, want %d\n", sum, want)
		os.Exit(70)
	}
	return float64(elapsed.Nanoseconds()) / float64(senders*perSender)
}

func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func main() {
	messages := flag.Int("messages", 200000, "messages per run")
	repeats := flag.Int("repeats", 5, "runs of each configuration, interleaved")
	flag.Parse()
	capacities := []int{1, 4, 64, 1024}
	shapes := []struct {
		name               string
		senders, receivers int
	}{{"1p1c", 1, 1}, {"4p4c", 4, 4}}
	results := make(map[string][]float64)
	for rep := 0; rep < *repeats; rep++ {
		for _, s := range shapes {
			for _, c := range capacities {
				key := fmt.Sprintf("%s %d", s.name, c)
				results[key] = append(results[key], run(c, s.senders, s.receivers, *messages))
			}
		}
	}
	fmt.Printf("go channel: %d messages per run, median of %d runs\n", *messages, *repeats)
	fmt.Printf("%-9s %8s %10s\n", "shape", "capacity", "ns/msg")
	for _, s := range shapes {
		for _, c := range capacities {
			key := fmt.Sprintf("%s %d", s.name, c)
			fmt.Printf("%-9s %8d %10.0f\n", s.name, c, median(results[key]))
		}
	}
}
