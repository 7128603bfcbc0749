"""The state path the console shows for a Step Functions execution, from its history events."""

from local_runtime.console.executions import state_path


def test_the_path_lists_entered_states_in_order_with_how_each_ended():
    history = [
        {"type": "ExecutionStarted"},
        {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Validate"}},
        {"type": "TaskStateExited", "stateExitedEventDetails": {"name": "Validate"}},
        {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Process"}},
        {"type": "LambdaFunctionFailed"},
        {"type": "PassStateEntered", "stateEnteredEventDetails": {"name": "SendToDeadLetterQueue"}},
    ]
    assert state_path(history) == [
        {"state": "Validate", "outcome": "exited"},
        {"state": "Process", "outcome": "failed"},
        {"state": "SendToDeadLetterQueue", "outcome": "running"},
    ]
