------------------------------ MODULE LazyFree ------------------------------
(***************************************************************************)
(* Lazy free: UNLINK and FLUSHALL ASYNC detach values at once and queue    *)
(* their blocks; the freer returns them to the free list a block per step. *)
(* Blocks the dump still reads are handed to the dump, not queued.         *)
(***************************************************************************)
EXTENDS SabreBase

(* UNLINK k: small values (at most LazyFreeThreshold blocks) are freed at once, because   *)
(* queueing them costs more than freeing them; bigger ones are queued for the freer.       *)
Unlink(k) ==
    /\ ks[k] # <<>>
    /\ ks' = [ks EXCEPT ![k] = <<>>]
    /\ IF Len(ks[k]) <= LazyFreeThreshold
       THEN PushFree(NotHeld(k, ks[k])) /\ UNCHANGED queue
       ELSE queue' = queue \cup Range(NotHeld(k, ks[k])) /\ UNCHANGED <<freeList, mem>>
    /\ UNCHANGED <<dumping, snap, view, copies, out, oomFalse>>

(* FLUSHALL ASYNC: an empty keyspace at once; every old block the dump does not read is queued. *)
FlushAsync ==
    /\ \E k \in Keys : ks[k] # <<>>
    /\ ks' = [k \in Keys |-> <<>>]
    /\ queue' = queue \cup UNION {Range(NotHeld(k, ks[k])) : k \in Keys}
    /\ UNCHANGED <<mem, freeList, dumping, snap, view, copies, out, oomFalse>>

(* The freer returns one queued block to the free list. *)
FreeStep(b) ==
    /\ b \in queue
    /\ queue' = IF Bug = "FreeTwice" THEN queue ELSE queue \ {b}
    /\ PushFree(<<b>>)
    /\ UNCHANGED <<ks, dumping, snap, view, copies, out, oomFalse>>
=============================================================================
