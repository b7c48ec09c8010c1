--------------------------- MODULE ThreadFreeList ---------------------------
(***************************************************************************)
(* The free list as the engine keeps it in the SharedArrayBuffer: a head   *)
(* word and a next link per free block, changed only by Atomics. Pushers   *)
(* (any thread) link the block to the head they read and compareExchange  *)
(* the head; the one popper reads the head, reads its next link and        *)
(* compareExchanges the head to it. With one popper there is no ABA: a     *)
(* block the popper has read stays on the list until the popper takes it.  *)
(* TLC checks that every interleaving refines the atomic FreeList.tla.     *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS BlockCount, Procs, Poppers

Blocks == 1..BlockCount
Null == 0

VARIABLES
    head,    \* the header's free-list head word (Null when empty)
    next,    \* [Blocks -> Blocks \cup {Null}]: each free block's link
    owner,   \* [Blocks -> Procs \cup {"free"}]: who holds each block (ghost)
    pc,      \* [Procs -> {"idle", "popNext", "popCas", "pushLink", "pushCas"}]
    seen,    \* [Procs -> Blocks \cup {Null}]: the head a process read
    link,    \* [Procs -> Blocks \cup {Null}]: the next link a popper read
    pushing  \* [Procs -> Blocks \cup {Null}]: the block a pusher is pushing

vars == <<head, next, owner, pc, seen, link, pushing>>

Init ==
    /\ head = 1
    /\ next = [b \in Blocks |-> IF b < BlockCount THEN b + 1 ELSE Null]
    /\ owner = [b \in Blocks |-> "free"]
    /\ pc = [p \in Procs |-> "idle"]
    /\ seen = [p \in Procs |-> Null]
    /\ link = [p \in Procs |-> Null]
    /\ pushing = [p \in Procs |-> Null]

(* Pop: read the head ... *)
PopRead(p) ==
    /\ p \in Poppers /\ pc[p] = "idle" /\ head # Null
    /\ seen' = [seen EXCEPT ![p] = head] /\ pc' = [pc EXCEPT ![p] = "popNext"]
    /\ UNCHANGED <<head, next, owner, link, pushing>>

(* ... read its next link ... *)
PopNext(p) ==
    /\ pc[p] = "popNext"
    /\ link' = [link EXCEPT ![p] = next[seen[p]]] /\ pc' = [pc EXCEPT ![p] = "popCas"]
    /\ UNCHANGED <<head, next, owner, seen, pushing>>

(* ... compareExchange(head, seen, link): on success the block is the popper's; else start over. *)
PopCas(p) ==
    /\ pc[p] = "popCas"
    /\ IF head = seen[p]
       THEN head' = link[p] /\ owner' = [owner EXCEPT ![seen[p]] = p]
       ELSE UNCHANGED <<head, owner>>
    /\ pc' = [pc EXCEPT ![p] = "idle"]
    /\ UNCHANGED <<next, seen, link, pushing>>

(* Push: read the head ... *)
PushRead(p, b) ==
    /\ pc[p] = "idle" /\ owner[b] = p
    /\ pushing' = [pushing EXCEPT ![p] = b] /\ seen' = [seen EXCEPT ![p] = head]
    /\ pc' = [pc EXCEPT ![p] = "pushLink"]
    /\ UNCHANGED <<head, next, owner, link>>

(* ... link the block to it ... *)
PushLink(p) ==
    /\ pc[p] = "pushLink"
    /\ next' = [next EXCEPT ![pushing[p]] = seen[p]] /\ pc' = [pc EXCEPT ![p] = "pushCas"]
    /\ UNCHANGED <<head, owner, seen, link, pushing>>

(* ... compareExchange(head, seen, block): on success the block is free; else read the head again. *)
PushCas(p) ==
    /\ pc[p] = "pushCas"
    /\ IF head = seen[p]
       THEN /\ head' = pushing[p] /\ owner' = [owner EXCEPT ![pushing[p]] = "free"]
            /\ pc' = [pc EXCEPT ![p] = "idle"] /\ UNCHANGED seen
       ELSE /\ seen' = [seen EXCEPT ![p] = head] /\ pc' = [pc EXCEPT ![p] = "pushLink"]
            /\ UNCHANGED <<head, owner>>
    /\ UNCHANGED <<next, link, pushing>>

Give(p, q, b) ==
    /\ owner[b] = p /\ q # p /\ pushing[p] # b
    /\ owner' = [owner EXCEPT ![b] = q]
    /\ UNCHANGED <<head, next, pc, seen, link, pushing>>

Next ==
    \E p \in Procs :
        \/ PopRead(p) \/ PopNext(p) \/ PopCas(p) \/ PushLink(p) \/ PushCas(p)
        \/ \E b \in Blocks : PushRead(p, b) \/ \E q \in Procs : Give(p, q, b)

Spec == Init /\ [][Next]_vars

(* The list from the head, as the abstract free list; a cycle shows up as a list too long. *)
RECURSIVE ListFrom(_, _)
ListFrom(b, fuel) == IF b = Null \/ fuel = 0 THEN <<>> ELSE <<b>> \o ListFrom(next[b], fuel - 1)

Abstract == INSTANCE FreeList WITH free <- ListFrom(head, BlockCount + 1)
RefinesFreeList == Abstract!Spec
=============================================================================
