"""The Qt window: widgets, item models, dialogs. Reaches the library only via app.Library."""
