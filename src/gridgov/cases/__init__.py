"""Events (事件): intake, the workflow across levels and departments, deadlines, supervision."""
