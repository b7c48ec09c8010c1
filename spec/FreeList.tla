------------------------------ MODULE FreeList ------------------------------
(***************************************************************************)
(* The allocator's free list at the algorithm level: an atomic LIFO stack. *)
(* The writer pops (allocation); the writer, the freer and the dumper push *)
(* blocks they own (Del, FreeStep, a dump step releasing copies).          *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS BlockCount, Procs, Poppers

Blocks == 1..BlockCount

VARIABLES free, owner

Init == free = [i \in 1..BlockCount |-> i] /\ owner = [b \in Blocks |-> "free"]

Pop(p) ==
    /\ p \in Poppers /\ free # <<>>
    /\ owner' = [owner EXCEPT ![Head(free)] = p]
    /\ free' = Tail(free)

Push(p, b) ==
    /\ owner[b] = p
    /\ free' = <<b>> \o free
    /\ owner' = [owner EXCEPT ![b] = "free"]

(* The owner of a block hands it to another process (Unlink queues it, a copy goes to the dump). *)
Give(p, q, b) ==
    /\ owner[b] = p /\ q # p
    /\ owner' = [owner EXCEPT ![b] = q]
    /\ UNCHANGED free

Next == \E p, q \in Procs, b \in Blocks : Pop(p) \/ Push(p, b) \/ Give(p, q, b)

Spec == Init /\ [][Next]_<<free, owner>>
=============================================================================
